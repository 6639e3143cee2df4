package dev.era.engine.agents;

import dev.era.agent.AgentPackage;
import dev.era.api.Workload;

import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Loads one agent package jar in its own class loader. The jar sees the Java platform and the agent
 * API ({@code dev.era.agent}) and nothing else of the daemon, so two packages (or two versions of
 * one) never share classes, and a jar cannot reach the daemon's internals or libraries: it must
 * bring what else it needs inside itself.
 */
final class PackageLoader implements AutoCloseable {
    private static final String API_PACKAGE = AgentPackage.class.getPackageName() + ".";

    private final URLClassLoader loader;
    private final List<AgentPackage> packages;

    private PackageLoader(URLClassLoader loader, List<AgentPackage> packages) {
        this.loader = loader;
        this.packages = List.copyOf(packages);
    }

    static PackageLoader open(Workload w, Path jar) {
        List<String> names = PackageJar.packageClasses(w, jar);
        URL url;
        try {
            url = jar.toUri().toURL();
        } catch (MalformedURLException e) {
            throw PackageJar.failure(w, "cannot name " + jar + " as a URL: " + e, e);
        }
        URLClassLoader loader = new URLClassLoader("agents-" + w.id().value() + "-v" + w.version(), new URL[] {url},
                new ApiOnly());
        List<AgentPackage> packages = new ArrayList<>();
        try {
            for (String name : names) {
                Class<?> c = Class.forName(name, true, loader);
                if (!AgentPackage.class.isAssignableFrom(c)) {
                    throw PackageJar.failure(w, name + " (listed in " + PackageJar.SERVICES + ") does not implement "
                            + AgentPackage.class.getName(), null);
                }
                packages.add((AgentPackage) c.getConstructor().newInstance());
            }
        } catch (ReflectiveOperationException | LinkageError e) {
            close(loader);
            throw PackageJar.failure(w, "cannot load the agent package class: " + e + "; it needs a public no-argument "
                    + "constructor, and the jar must contain every class it uses except dev.era.agent.*", e);
        } catch (RuntimeException e) {
            close(loader);
            throw e;
        }
        return new PackageLoader(loader, packages);
    }

    List<AgentPackage> packages() {
        return packages;
    }

    @Override
    public void close() {
        close(loader);
    }

    private static void close(URLClassLoader loader) {
        try {
            loader.close();
        } catch (IOException e) {
            // the jar file handle is released with the loader; nothing else to undo
        }
    }

    /** The parent of every package loader: the platform's classes plus the agent API, nothing else. */
    private static final class ApiOnly extends ClassLoader {
        private static final ClassLoader API = AgentPackage.class.getClassLoader();

        ApiOnly() {
            super("agent-api", ClassLoader.getPlatformClassLoader());
        }

        @Override
        protected Class<?> findClass(String name) throws ClassNotFoundException {
            if (name.startsWith(API_PACKAGE)) {
                return API.loadClass(name);
            }
            throw new ClassNotFoundException(name);
        }
    }
}
