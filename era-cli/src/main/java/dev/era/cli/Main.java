package dev.era.cli;

/** The {@code era} command. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.exit(EraCli.run(args));
    }
}
