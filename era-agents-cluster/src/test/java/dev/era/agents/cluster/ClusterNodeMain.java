package dev.era.agents.cluster;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One cluster node as its own process, for the chaos test and the benchmarks:
 * {@code ClusterNodeMain <jdbcUrl> <nodeId> <port> <leaseMs> <partitions>}. It serves {@link TickLogAgent}
 * until its standard input closes (the parent went away) or it is killed; lines on standard input are
 * {@link NodeCommands}.
 */
public final class ClusterNodeMain {
    private ClusterNodeMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 5) {
            System.err.println("usage: ClusterNodeMain <jdbcUrl> <nodeId> <port> <leaseMs> <partitions>");
            System.exit(2);
        }
        String nodeId = args[1];
        AtomicReference<ClusterNode> self = new AtomicReference<>();
        ClusterConfig config = ClusterConfig.of(args[0], "postgres", "", nodeId)
                .withListen(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[2])))
                .withLease(Duration.ofMillis(Long.parseLong(args[3])))
                .withPartitions(Integer.parseInt(args[4]));
        ClusterNode node = ClusterAgents.cluster(config)
                .register(TickLogAgent.TYPE, () -> new TickLogAgent(nodeId, id -> self.get().epochOf(TickLogAgent.TYPE, id)))
                .register(CounterAgent.TYPE, CounterAgent::new)
                .start();
        self.set(node);
        System.out.println("READY " + node.address());
        System.out.flush();
        NodeCommands commands = new NodeCommands(node);
        java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(System.in));
        String line;
        while ((line = in.readLine()) != null) { // the parent keeps the pipe open while it wants this node
            if (!line.isBlank()) {
                System.out.println(commands.run(line));
                System.out.flush();
            }
        }
        System.out.println("stdin closed; leaving the cluster " + node.counters());
        node.close();
        System.exit(0);
    }
}
