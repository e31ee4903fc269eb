package io.cairn.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Topic administration: create, delete, alter, add partitions; validation, limits, persistence, the directory lock. */
class TopicAdminTest {
    private static final long T0 = 1_700_000_000_000L;

    @TempDir
    Path dir;
    private final ManualClock clock = new ManualClock(T0);
    private LogEngine engine;

    @AfterEach
    void close() {
        if (engine != null) {
            engine.close();
        }
    }

    private LogEngineConfig.Builder builder() {
        return LogEngineConfig.builder(dir).clock(clock).cleanerIntervalMs(0);
    }

    private LogEngine open() {
        engine = LogEngine.open(builder().build());
        return engine;
    }

    private LogEngine reopen() {
        engine.close();
        return open();
    }

    private List<String> topicDirs() {
        return LogFiles.names(dir).stream().filter(n -> !n.startsWith(".")).toList();
    }

    @Test
    void createAlterAddPartitionsAndDeletePersistAcrossReopen() throws Exception {
        open();
        Topic orders = engine.createTopic("orders", 2, Map.of(TopicConfig.RETENTION_MS, "123456", TopicConfig.SEGMENT_BYTES, "4096"));
        engine.createTopic("audit.log-v2", 1, Map.of());
        UUID id = orders.id();
        assertThat(engine.topics()).extracting(Topic::name).containsExactlyInAnyOrder("orders", "audit.log-v2");
        assertThat(orders.partitionCount()).isEqualTo(2);
        assertThat(orders.config().get(TopicConfig.RETENTION_MS)).isEqualTo("123456");
        assertThat(orders.config().isDefault(TopicConfig.CLEANUP_POLICY)).isTrue();
        engine.partition("orders", 1).append(Batches.of(T0, "p1"));

        TopicConfig altered = engine.alterTopicConfig("orders", new HashMap<>(Map.of(TopicConfig.CLEANUP_POLICY, "compact,delete",
                TopicConfig.FLUSH_MESSAGES, "10")));
        assertThat(altered.compacted()).isTrue();
        Map<String, String> reset = new HashMap<>();
        reset.put(TopicConfig.RETENTION_MS, null); // back to the default
        engine.alterTopicConfig("orders", reset);
        assertThat(engine.requireTopic("orders").config().isDefault(TopicConfig.RETENTION_MS)).isTrue();

        assertThat(engine.addPartitions("orders", 4).partitionCount()).isEqualTo(4);
        engine.partition("orders", 3).append(Batches.keyed(T0, "k", "p3"));
        TopicConfig expected = engine.requireTopic("orders").config();

        open2(expected, id);
    }

    private void open2(TopicConfig expected, UUID id) {
        reopen();
        Topic orders = engine.requireTopic("orders");
        assertThat(orders.id()).isEqualTo(id);
        assertThat(orders.partitionCount()).isEqualTo(4);
        assertThat(orders.config()).isEqualTo(expected);
        assertThat(orders.config().get(TopicConfig.CLEANUP_POLICY)).isEqualTo("compact,delete");
        assertThat(orders.config().get(TopicConfig.FLUSH_MESSAGES)).isEqualTo("10");
        assertThat(orders.config().get(TopicConfig.SEGMENT_BYTES)).isEqualTo("4096");
        assertThat(Batches.readAll(engine.partition("orders", 1), 0, 1000)).extracting(Batches.Read::value).containsExactly("p1");
        assertThat(Batches.readAll(engine.partition("orders", 3), 0, 1000)).extracting(Batches.Read::value).containsExactly("p3");
        assertThat(engine.partition("orders", 2).logEndOffset()).isZero();
        assertThat(engine.topic("audit.log-v2")).isPresent();
    }

    @Test
    void engineDefaultsApplyToNewTopicsButNotToExistingOnes() {
        engine = LogEngine.open(builder().defaultTopicConfig(Map.of(TopicConfig.RETENTION_MS, "1000")).build());
        engine.createTopic("a", 1, Map.of());
        engine.createTopic("b", 1, Map.of(TopicConfig.RETENTION_MS, "2000"));
        assertThat(engine.requireTopic("a").config().get(TopicConfig.RETENTION_MS)).isEqualTo("1000");
        assertThat(engine.requireTopic("b").config().get(TopicConfig.RETENTION_MS)).isEqualTo("2000");
        engine.close();
        engine = LogEngine.open(builder().defaultTopicConfig(Map.of(TopicConfig.RETENTION_MS, "5000")).build());
        assertThat(engine.requireTopic("a").config().get(TopicConfig.RETENTION_MS)).isEqualTo("1000");
    }

    @Test
    void duplicateAndUnknownTopics() {
        open();
        engine.createTopic("t", 1, Map.of());
        assertThatThrownBy(() -> engine.createTopic("t", 2, Map.of())).isInstanceOf(LogException.TopicExistsException.class);
        assertThat(engine.requireTopic("t").partitionCount()).isEqualTo(1);
        assertThatThrownBy(() -> engine.requireTopic("nope")).isInstanceOf(LogException.UnknownTopicException.class);
        assertThatThrownBy(() -> engine.partition("t", 1)).isInstanceOf(LogException.UnknownTopicException.class);
        assertThatThrownBy(() -> engine.deleteTopic("nope")).isInstanceOf(LogException.UnknownTopicException.class);
        assertThatThrownBy(() -> engine.alterTopicConfig("nope", Map.of())).isInstanceOf(LogException.UnknownTopicException.class);
        assertThatThrownBy(() -> engine.addPartitions("nope", 3)).isInstanceOf(LogException.UnknownTopicException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ".", "..", ".hidden", "a/b", "../escape", "a b", "t\u00e9", "star*", "tab\t"})
    void illegalTopicNamesAreRejected(String name) {
        open();
        assertThatThrownBy(() -> engine.createTopic(name, 1, Map.of()))
                .isInstanceOf(LogException.InvalidConfigException.class).hasMessageContaining("Illegal topic name");
        assertThat(engine.topics()).isEmpty();
        assertThat(topicDirs()).isEmpty();
        assertThat(dir.getParent().resolve("escape")).doesNotExist();
    }

    @Test
    void nameLengthLimit() {
        open();
        assertThatThrownBy(() -> engine.createTopic(null, 1, Map.of())).isInstanceOf(LogException.InvalidConfigException.class);
        assertThatThrownBy(() -> engine.createTopic("a".repeat(250), 1, Map.of())).isInstanceOf(LogException.InvalidConfigException.class);
        assertThat(engine.createTopic("a".repeat(249), 1, Map.of()).name()).hasSize(249);
    }

    @ParameterizedTest
    @ValueSource(strings = {"segment.bytes=abc", "segment.bytes=100", "segment.bytes=99999999999", "retention.ms=-2",
            "retention.bytes=1.5", "cleanup.policy=nope", "cleanup.policy=compact,remove", "message.timestamp.type=Bad",
            "flush.messages=0", "max.message.bytes=10", "index.interval.bytes=-1", "segment.ms=0", "retention.mss=10",
            "Retention.ms=10", "cairn.partitions=3"})
    void badConfigsAreRejectedOnCreateAndAlter(String setting) throws Exception {
        String[] kv = setting.split("=", 2);
        open();
        assertThatThrownBy(() -> engine.createTopic("t", 1, Map.of(kv[0], kv[1])))
                .isInstanceOf(LogException.InvalidConfigException.class).hasMessageContaining(kv[0]);
        assertThat(engine.topics()).isEmpty();
        assertThat(topicDirs()).isEmpty();

        engine.createTopic("t", 1, Map.of());
        Path props = dir.resolve("t").resolve("topic.properties");
        String before = Files.readString(props, StandardCharsets.UTF_8);
        TopicConfig config = engine.requireTopic("t").config();
        assertThatThrownBy(() -> engine.alterTopicConfig("t", Map.of(kv[0], kv[1], TopicConfig.DELETE_RETENTION_MS, "5")))
                .isInstanceOf(LogException.InvalidConfigException.class).hasMessageContaining(kv[0]);
        assertThat(engine.requireTopic("t").config()).isEqualTo(config);
        assertThat(Files.readString(props, StandardCharsets.UTF_8)).isEqualTo(before);
        assertThat(reopen().requireTopic("t").config()).isEqualTo(config);
    }

    @Test
    void badEngineDefaultsAreRejected() {
        assertThatThrownBy(() -> builder().defaultTopicConfig(Map.of("no.such.config", "1")).build())
                .isInstanceOf(LogException.InvalidConfigException.class);
        assertThatThrownBy(() -> builder().maxTopics(0).build()).isInstanceOf(LogException.InvalidConfigException.class);
    }

    @Test
    void partitionCountsAreChecked() {
        open();
        assertThatThrownBy(() -> engine.createTopic("t", 0, Map.of())).isInstanceOf(LogException.InvalidConfigException.class);
        assertThatThrownBy(() -> engine.createTopic("t", -1, Map.of())).isInstanceOf(LogException.InvalidConfigException.class);
        engine.createTopic("t", 2, Map.of());
        assertThatThrownBy(() -> engine.addPartitions("t", 2)).isInstanceOf(LogException.InvalidConfigException.class);
        assertThatThrownBy(() -> engine.addPartitions("t", 1)).isInstanceOf(LogException.InvalidConfigException.class);
        assertThat(engine.requireTopic("t").partitionCount()).isEqualTo(2);
    }

    @Test
    void topicAndPartitionLimitsAreEnforced() {
        engine = LogEngine.open(builder().maxTopics(3).maxPartitions(6).maxPartitionsPerTopic(4).build());
        engine.createTopic("a", 2, Map.of());
        engine.createTopic("b", 3, Map.of());
        // 5 partitions exist: a topic of 2 would make 7
        assertThatThrownBy(() -> engine.createTopic("c", 2, Map.of())).isInstanceOf(LogException.LimitExceededException.class)
                .hasMessageContaining("maxPartitions=6");
        assertThat(topicDirs()).containsExactlyInAnyOrder("a", "b");
        assertThatThrownBy(() -> engine.addPartitions("a", 4)).isInstanceOf(LogException.LimitExceededException.class);
        assertThat(engine.requireTopic("a").partitionCount()).isEqualTo(2);
        engine.createTopic("c", 1, Map.of());
        // three topics: a fourth is one too many, whatever its size
        assertThatThrownBy(() -> engine.createTopic("d", 1, Map.of())).isInstanceOf(LogException.LimitExceededException.class)
                .hasMessageContaining("maxTopics");
        assertThat(topicDirs()).containsExactlyInAnyOrder("a", "b", "c");

        // freeing room makes room
        engine.deleteTopic("b");
        engine.createTopic("d", 1, Map.of());
        engine.addPartitions("a", 4);
        assertThat(engine.requireTopic("a").partitionCount()).isEqualTo(4);
        // per-topic limit: 4
        assertThatThrownBy(() -> engine.addPartitions("a", 5)).isInstanceOf(LogException.LimitExceededException.class);
        engine.deleteTopic("a");
        assertThatThrownBy(() -> engine.createTopic("e", 5, Map.of())).isInstanceOf(LogException.LimitExceededException.class)
                .hasMessageContaining("4");
        assertThat(topicDirs()).containsExactlyInAnyOrder("c", "d");
    }

    @Test
    void limitsHoldAfterReopen() {
        engine = LogEngine.open(builder().maxTopics(2).build());
        engine.createTopic("a", 1, Map.of());
        engine.createTopic("b", 1, Map.of());
        engine.close();
        engine = LogEngine.open(builder().maxTopics(2).build());
        assertThatThrownBy(() -> engine.createTopic("c", 1, Map.of())).isInstanceOf(LogException.LimitExceededException.class);
    }

    @Test
    void deletingATopicRemovesItsDirectory() throws Exception {
        open();
        engine.createTopic("gone", 2, Map.of());
        engine.createTopic("kept", 1, Map.of());
        PartitionLog p = engine.partition("gone", 0);
        p.append(Batches.of(T0, "a", "b"));
        engine.partition("kept", 0).append(Batches.of(T0, "k"));

        engine.deleteTopic("gone");

        assertThat(dir.resolve("gone")).doesNotExist();
        assertThat(engine.topic("gone")).isEmpty();
        assertThatThrownBy(() -> p.append(Batches.of(T0, "late"))).isInstanceOf(LogException.LogClosedException.class);
        await().atMost(Duration.ofSeconds(10)).until(() -> !Files.exists(dir.resolve(".trash"))
                || LogFiles.names(dir.resolve(".trash")).isEmpty());
        // the name can be used again, for a new, empty topic
        Topic again = engine.createTopic("gone", 1, Map.of());
        assertThat(engine.partition("gone", 0).logEndOffset()).isZero();
        UUID id = again.id();
        reopen();
        assertThat(engine.requireTopic("gone").id()).isEqualTo(id);
        assertThat(engine.requireTopic("gone").partitionCount()).isEqualTo(1);
        assertThat(Batches.readAll(engine.partition("kept", 0), 0, 100)).extracting(Batches.Read::value).containsExactly("k");
    }

    @Test
    void deletedTopicStaysDeletedAfterReopen() {
        open();
        engine.createTopic("gone", 1, Map.of());
        engine.deleteTopic("gone");
        reopen();
        assertThat(engine.topics()).isEmpty();
        assertThat(topicDirs()).isEmpty();
    }

    @Test
    void interruptedCreationAndLeftoverTrashAreRemovedAtOpen() throws Exception {
        open();
        engine.createTopic("real", 1, Map.of());
        engine.partition("real", 0).append(Batches.of(T0, "r"));
        engine.close();
        // a creation that crashed before topic.properties was written
        Path half = dir.resolve("half");
        Files.createDirectories(half.resolve("0"));
        Files.write(half.resolve("0").resolve("00000000000000000000.log"), new byte[0]);
        Files.writeString(half.resolve("topic.properties.tmp"), "cairn.partitions=1\n");
        // a deletion that crashed before the files were gone
        Path trash = dir.resolve(".trash").resolve("old-" + UUID.randomUUID()).resolve("0");
        Files.createDirectories(trash);
        Files.write(trash.resolve("00000000000000000000.log"), new byte[10]);

        open();
        assertThat(half).doesNotExist();
        assertThat(dir.resolve(".trash")).doesNotExist();
        assertThat(engine.topics()).extracting(Topic::name).containsExactly("real");
        assertThat(Batches.readAll(engine.partition("real", 0), 0, 100)).extracting(Batches.Read::value).containsExactly("r");
        // and the name is free
        engine.createTopic("half", 1, Map.of());
        assertThat(engine.partition("half", 0).logEndOffset()).isZero();
    }

    @Test
    void aSecondEngineOnTheSameDirectoryIsRefused() throws Exception {
        open();
        engine.createTopic("t", 1, Map.of());
        assertThatThrownBy(() -> LogEngine.open(builder().build()))
                .isInstanceOf(LogException.LogIoException.class).hasMessageContaining("in use");
        assertThatThrownBy(() -> LogEngine.open(LogEngineConfig.builder(dir.resolve("t").resolve("..")).build()))
                .isInstanceOf(LogException.LogIoException.class).hasMessageContaining("in use");
        // the refusal must not cost the first engine its lock: another process is still kept out
        assertThat(DirLockProbe.lockIsFree(dir.resolve(".lock"))).as("lock free for another process").isFalse();
        // and the first engine still works
        assertThat(engine.partition("t", 0).append(Batches.of(T0, "x")).baseOffset()).isZero();
        engine.close();
        engine = null;
        assertThat(DirLockProbe.lockIsFree(dir.resolve(".lock"))).as("lock free after close").isTrue();
        open();
        assertThat(engine.partition("t", 0).logEndOffset()).isEqualTo(1);
    }

    @Test
    void closedEngineAndItsPartitionsRefuseWork() {
        open();
        engine.createTopic("t", 1, Map.of());
        PartitionLog p = engine.partition("t", 0);
        p.append(Batches.of(T0, "x"));
        engine.close();
        assertThatThrownBy(() -> engine.createTopic("u", 1, Map.of())).isInstanceOf(LogException.LogClosedException.class);
        assertThatThrownBy(() -> p.append(Batches.of(T0, "y"))).isInstanceOf(LogException.LogClosedException.class);
        assertThatThrownBy(() -> p.read(0, 100)).isInstanceOf(LogException.LogClosedException.class);
        assertThatThrownBy(() -> p.offsetForTimestamp(0)).isInstanceOf(LogException.LogClosedException.class);
        engine.close(); // twice is fine
        engine = null;
    }
}
