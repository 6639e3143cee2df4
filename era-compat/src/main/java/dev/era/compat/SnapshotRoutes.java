package dev.era.compat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.era.core.SandboxService;
import dev.era.core.Snapshot;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;

import static dev.era.compat.Call.NODES;

/**
 * Disk snapshots: ERA's workspace snapshots. ERA keeps a snapshot's name but not RunLoop's
 * metadata or commit message, and a snapshot cannot be changed once taken.
 */
final class SnapshotRoutes {
    private static final String SNAPSHOTS = DevboxRoutes.BASE + "/disk_snapshots";

    private final SandboxService sandboxes;

    SnapshotRoutes(SandboxService sandboxes) {
        this.sandboxes = sandboxes;
    }

    void register(Routes r) {
        String box = DevboxRoutes.BASE + "/{id}";
        r.add("POST", box + "/snapshot_disk", c -> snapshot(c, false));
        r.add("POST", box + "/snapshot_disk_async", c -> snapshot(c, true));
        r.add("GET", SNAPSHOTS, this::list);
        r.add("GET", SNAPSHOTS + "/{sid}/status", c -> c.json(200,
                DevboxViews.snapshotStatus(sandboxes.snapshotInfo(c.caller(), c.param("sid")))));
        r.add("POST", SNAPSHOTS + "/{sid}/delete", c -> {
            sandboxes.deleteSnapshot(c.caller(), c.param("sid"));
            c.json(200, NODES.objectNode());
        });
        r.add("POST", SNAPSHOTS + "/{sid}", NotOffered.route("changing a snapshot after it was taken",
                "snapshot_disk again with the new name"));
    }

    private void snapshot(Call c, boolean async) {
        Body b = c.body();
        String name = b.text("name").orElse("");
        Snapshot s = sandboxes.snapshot(c.caller(), c.param("id"), name, async);
        c.json(200, DevboxViews.snapshot(s));
    }

    /** Newest first; {@code devbox_id} narrows to one devbox's snapshots. */
    private void list(Call c) {
        Optional<String> devbox = c.query("devbox_id");
        List<Snapshot> all = sandboxes.snapshots(c.caller()).stream()
                .filter(s -> devbox.isEmpty() || s.sandboxId().equals(devbox.get()))
                .filter(s -> !s.status().equals("failed"))
                .sorted(Comparator.comparing(Snapshot::createdAt).reversed().thenComparing(Snapshot::id))
                .toList();
        DevboxViews.Page<Snapshot> page = DevboxViews.page(all, Snapshot::id, c.query("starting_after"),
                DevboxRoutes.limit(c));
        ObjectNode o = NODES.objectNode();
        ArrayNode items = o.putArray("snapshots");
        page.items().forEach(s -> items.add(DevboxViews.snapshot(s)));
        o.put("has_more", page.hasMore());
        o.put("total_count", page.total());
        c.json(200, o);
    }
}
