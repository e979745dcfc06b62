package io.conceptrank.web;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/** A multipart/form-data body as a browser's FormData sends it, for java.net.http. */
final class Multipart {

    private final String boundary = "----conceptrank-test-" + UUID.randomUUID();
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();

    Multipart file(String field, String fileName, String contentType, byte[] bytes) {
        text("--" + boundary + "\r\n");
        text("Content-Disposition: form-data; name=\"" + field + "\"; filename=\"" + fileName + "\"\r\n");
        text("Content-Type: " + contentType + "\r\n\r\n");
        body.writeBytes(bytes);
        text("\r\n");
        return this;
    }

    HttpRequest post(URI uri) {
        text("--" + boundary + "--\r\n");
        return HttpRequest.newBuilder(uri)
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()))
                .build();
    }

    private void text(String s) {
        body.writeBytes(s.getBytes(StandardCharsets.UTF_8));
    }
}
