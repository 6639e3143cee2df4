package dev.era.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** Tables for people, JSON (the daemon's own documents) for scripts. */
final class Output {
    private Output() {
    }

    /** Made on first use: a table never needs it, and an ObjectMapper takes milliseconds to make. */
    private static final class Mapper {
        static final ObjectMapper JSON = new ObjectMapper();
    }

    static void json(PrintWriter out, JsonNode node) {
        try {
            out.println(Mapper.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
    }

    /** One compact document per line, for streams (NDJSON). */
    static void jsonLine(PrintWriter out, JsonNode node) {
        out.println(node.toString());
        out.flush();
    }

    static com.fasterxml.jackson.databind.node.ObjectNode object() {
        return JsonNodeFactory.instance.objectNode();
    }

    static ArrayNode array(List<JsonNode> nodes) {
        ArrayNode a = JsonNodeFactory.instance.arrayNode();
        nodes.forEach(a::add);
        return a;
    }

    /** Left-aligned columns two spaces apart; the last column is not padded. */
    static void table(PrintWriter out, List<String> header, List<List<String>> rows) {
        List<List<String>> all = new ArrayList<>();
        all.add(header);
        all.addAll(rows);
        int[] width = new int[header.size()];
        for (List<String> row : all) {
            for (int i = 0; i < row.size(); i++) {
                width[i] = Math.max(width[i], row.get(i).length());
            }
        }
        for (List<String> row : all) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.size(); i++) {
                String cell = row.get(i);
                line.append(cell);
                if (i < row.size() - 1) {
                    line.append(" ".repeat(width[i] - cell.length() + 2));
                }
            }
            out.println(line.toString().stripTrailing());
        }
    }

    /** A cell without line breaks, shortened so that a table stays readable. */
    static String cell(String s, int max) {
        String one = s.replace('\n', ' ').replace('\r', ' ');
        return one.length() > max ? one.substring(0, max - 3) + "..." : one;
    }
}
