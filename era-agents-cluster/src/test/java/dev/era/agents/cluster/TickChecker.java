package dev.era.agents.cluster;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks the tick records of a run against the issue's rules: per agent no two committed ticks
 * overlap in time, the ticks are numbered 1..N without a gap or a double (N = the stored state),
 * epochs never go back, and every acknowledged tick is there with the request that was acknowledged.
 */
final class TickChecker {
    /** One committed tick, from its KV record. */
    record Tick(String agent, long n, String request, String node, long epoch, long startMicros, long endMicros) {
        static Tick parse(String agent, String key, String value) {
            String[] f = value.split(" ");
            return new Tick(agent, Long.parseLong(key.substring(2)), f[0], f[1], Long.parseLong(f[2]), Long.parseLong(f[3]),
                    Long.parseLong(f[4]));
        }
    }

    /** A reply a client got: the agent answered {@code n} to {@code request}. */
    record Ack(String agent, long n, String request) {
    }

    record Result(long ticks, long acks, List<String> overlaps, List<String> numbering, List<String> epochs, List<String> lost) {
        boolean clean() {
            return overlaps.isEmpty() && numbering.isEmpty() && epochs.isEmpty() && lost.isEmpty();
        }

        @Override
        public String toString() {
            return ticks + " committed ticks, " + acks + " acknowledged; overlapping " + overlaps.size() + " " + first(overlaps)
                    + "; numbering errors " + numbering.size() + " " + first(numbering) + "; epoch regressions " + epochs.size()
                    + " " + first(epochs) + "; lost acknowledged " + lost.size() + " " + first(lost);
        }

        private static List<String> first(List<String> l) {
            return l.subList(0, Math.min(5, l.size()));
        }
    }

    private TickChecker() {
    }

    static Result check(Map<String, Long> states, List<Tick> ticks, List<Ack> acks) {
        Map<String, List<Tick>> byAgent = new HashMap<>();
        for (Tick t : ticks) {
            byAgent.computeIfAbsent(t.agent(), k -> new ArrayList<>()).add(t);
        }
        List<String> overlaps = new ArrayList<>();
        List<String> numbering = new ArrayList<>();
        List<String> epochs = new ArrayList<>();
        Map<String, Tick> index = new HashMap<>();
        for (Map.Entry<String, Long> s : states.entrySet()) {
            if (!byAgent.containsKey(s.getKey()) && s.getValue() != 0) {
                numbering.add(s.getKey() + ": state " + s.getValue() + " but no tick records");
            }
        }
        for (Map.Entry<String, List<Tick>> e : byAgent.entrySet()) {
            String agent = e.getKey();
            List<Tick> list = e.getValue();
            list.sort(Comparator.comparingLong(Tick::n));
            long state = states.getOrDefault(agent, 0L);
            if (list.size() != state) {
                numbering.add(agent + ": " + list.size() + " tick records but state " + state);
            }
            for (int i = 0; i < list.size(); i++) {
                Tick t = list.get(i);
                index.put(agent + "#" + t.n(), t);
                if (t.n() != i + 1) {
                    numbering.add(agent + ": tick number " + t.n() + " at position " + (i + 1));
                }
                if (i > 0 && t.epoch() < list.get(i - 1).epoch()) {
                    epochs.add(agent + ": tick " + t.n() + " under epoch " + t.epoch() + " after epoch " + list.get(i - 1).epoch());
                }
            }
            List<Tick> byStart = new ArrayList<>(list);
            byStart.sort(Comparator.comparingLong(Tick::startMicros));
            Tick latest = null;
            for (Tick t : byStart) {
                if (latest != null && t.startMicros() < latest.endMicros()) {
                    overlaps.add(agent + ": tick " + t.n() + " on " + t.node() + " (epoch " + t.epoch() + ") started at "
                            + t.startMicros() + " before tick " + latest.n() + " on " + latest.node() + " (epoch " + latest.epoch()
                            + ") ended at " + latest.endMicros());
                }
                if (latest == null || t.endMicros() > latest.endMicros()) {
                    latest = t;
                }
            }
        }
        List<String> lost = new ArrayList<>();
        for (Ack a : acks) {
            Tick t = index.get(a.agent() + "#" + a.n());
            if (t == null) {
                lost.add(a.agent() + ": acknowledged tick " + a.n() + " (" + a.request() + ") is not stored");
            } else if (!t.request().equals(a.request())) {
                lost.add(a.agent() + ": acknowledged tick " + a.n() + " was " + a.request() + " but " + t.request() + " is stored");
            }
        }
        return new Result(ticks.size(), acks.size(), overlaps, numbering, epochs, lost);
    }
}
