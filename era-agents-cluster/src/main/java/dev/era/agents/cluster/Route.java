package dev.era.agents.cluster;

/** Where a partition's agents are served: the node holding its lease, or the one about to. */
record Route(String nodeId, String address) {
}
