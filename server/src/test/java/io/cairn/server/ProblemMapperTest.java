package io.cairn.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringReader;
import java.util.Map;

import jakarta.json.Json;
import jakarta.json.JsonObject;

import org.junit.jupiter.api.Test;

import io.cairn.log.LogException;

class ProblemMapperTest {

    @Test
    void engineErrorsMapByTheirKind() {
        assertStatus(new LogException.UnknownTopicException("x"), 404, "unknown-topic");
        assertStatus(new LogException.TopicExistsException("x"), 409, "topic-exists");
        assertStatus(new LogException.InvalidConfigException("x"), 400, "invalid-config");
        assertStatus(new LogException.InvalidBatchException("x"), 400, "invalid-batch");
        assertStatus(new LogException.RecordTooLargeException("x"), 413, "record-too-large");
        assertStatus(new LogException.OffsetOutOfRangeException("x"), 416, "offset-out-of-range");
        assertStatus(new LogException.LimitExceededException("x"), 409, "limit-exceeded");
        assertStatus(new LogException.LogClosedException("x"), 503, "engine-unavailable");
        assertStatus(new LogException.CorruptBatchException("x"), 500, "corrupt-data");
        assertStatus(new LogException.LogIoException("x", null), 500, "storage-error");
        assertStatus(new LogException("x"), 500, "internal-error");
        assertStatus(new io.cairn.log.store.ConcurrencyConflictException("t", "a", 1, 2), 409, "concurrency-conflict");
    }

    @Test
    void otherErrorsMapToTheirProblemOrTo500() {
        assertStatus(new ApiException(ProblemType.CONTENT_TOO_LARGE, "x"), 413, "content-too-large");
        assertStatus(new EngineUnavailableException("x", true), 503, "engine-unavailable");
        Problem p = ProblemMapper.toProblem(new IllegalStateException("secret internals"));
        assertThat(p.status()).isEqualTo(500);
        assertThat(p.detail()).doesNotContain("secret").contains("IllegalStateException");
    }

    @Test
    void problemDocumentsCarryTheRfc9457MembersAndExtensions() {
        Problem p = ProblemMapper.toProblem(new ApiException(ProblemType.OFFSET_OUT_OF_RANGE, "Offset 9 is outside [0, 3]",
                Map.of("logStartOffset", 0L, "logEndOffset", 3L)));
        JsonObject json = Json.createReader(new StringReader(p.toJson())).readObject();
        assertThat(json.getString("type")).isEqualTo("tag:cairn.io,2025:problems/offset-out-of-range");
        assertThat(json.getString("title")).isEqualTo("Offset out of range");
        assertThat(json.getInt("status")).isEqualTo(416);
        assertThat(json.getString("detail")).isEqualTo("Offset 9 is outside [0, 3]");
        assertThat(json.getJsonNumber("logEndOffset").longValue()).isEqualTo(3);
    }

    private static void assertStatus(Throwable t, int status, String slug) {
        Problem p = ProblemMapper.toProblem(t);
        assertThat(p.status()).as(t.toString()).isEqualTo(status);
        assertThat(p.type()).as(t.toString()).endsWith("/" + slug);
    }
}
