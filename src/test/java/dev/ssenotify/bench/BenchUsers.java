package dev.ssenotify.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

/**
 * The generated users: {@code u<i>@bench.test}, all with one password, role user; stream
 * {@code k} belongs to user {@code k % count}, so the tabs of one user spread over shards.
 */
record BenchUsers(int count, String password) {

    String name(int i) {
        return "u" + i + "@bench.test";
    }

    String basic(int i) {
        return "Basic " + Base64.getEncoder().encodeToString((name(i) + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    int userOfStream(int streamIndex) {
        return streamIndex % count;
    }

    /** A Jetty HashLoginService users file with these users and one publisher. */
    void write(Path file, String publisher, String publisherPassword) throws IOException {
        StringBuilder sb = new StringBuilder(count * 32);
        sb.append(publisher).append(": ").append(publisherPassword).append(",publisher\n");
        for (int i = 0; i < count; i++) {
            sb.append(name(i)).append(": ").append(password).append(",user\n");
        }
        Files.writeString(file, sb.toString(), StandardCharsets.UTF_8);
    }
}
