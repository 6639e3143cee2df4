package dev.era.http;

import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class H2cTest extends ApiTest {
    @Test
    void aClientWithPriorKnowledgeIsAnsweredInHttp2() throws Exception {
        try (Socket s = new Socket("127.0.0.1", server.tcpPort())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.write(new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0}); // an empty SETTINGS frame
            out.flush();
            InputStream in = s.getInputStream();
            byte[] header = in.readNBytes(9);
            assertThat(header).hasSize(9);
            assertThat(header[3]).as("frame type of the server's first frame (4 = SETTINGS)").isEqualTo((byte) 4);
        }
    }

    @Test
    void aClientAskingToUpgradeGetsHttp2AndTheSameRoutes() throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
        HttpResponse<String> first = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.tcpPort()
                + "/health")).build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> second = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + server.tcpPort() + "/deployments")).header("Authorization", KEY_A[1]).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(second.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(second.statusCode()).isEqualTo(200);
        client.close();
    }
}
