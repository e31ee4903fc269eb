package io.cairn.log;

/**
 * Base of every error the log engine reports. Each subclass names one kind of failure so that a protocol layer can map
 * it to its own error code (the Kafka listener maps them to Kafka error codes) without parsing messages.
 */
public class LogException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public LogException(String message) {
        super(message);
    }

    public LogException(String message, Throwable cause) {
        super(message, cause);
    }

    /** An append was refused because a batch is malformed (bad magic, CRC, sizes, counts); nothing was written. */
    public static final class InvalidBatchException extends LogException {
        private static final long serialVersionUID = 1L;

        public InvalidBatchException(String message) {
            super(message);
        }
    }

    /** A batch or a whole append is larger than the topic allows ({@code max.message.bytes}, {@code segment.bytes}). */
    public static final class RecordTooLargeException extends LogException {
        private static final long serialVersionUID = 1L;

        public RecordTooLargeException(String message) {
            super(message);
        }
    }

    /** Stored data failed its check on the way out: the message names the file and the byte position. */
    public static final class CorruptBatchException extends LogException {
        private static final long serialVersionUID = 1L;

        public CorruptBatchException(String message) {
            super(message);
        }
    }

    /** A read asked for an offset outside [log start offset, log end offset]. */
    public static final class OffsetOutOfRangeException extends LogException {
        private static final long serialVersionUID = 1L;

        public OffsetOutOfRangeException(String message) {
            super(message);
        }
    }

    public static final class UnknownTopicException extends LogException {
        private static final long serialVersionUID = 1L;

        public UnknownTopicException(String message) {
            super(message);
        }
    }

    public static final class TopicExistsException extends LogException {
        private static final long serialVersionUID = 1L;

        public TopicExistsException(String message) {
            super(message);
        }
    }

    /** A configuration value or name is not acceptable; the message says which and why. */
    public static final class InvalidConfigException extends LogException {
        private static final long serialVersionUID = 1L;

        public InvalidConfigException(String message) {
            super(message);
        }
    }

    /** A limit (topics, partitions, open segments, sizes) would be exceeded. */
    public static final class LimitExceededException extends LogException {
        private static final long serialVersionUID = 1L;

        public LimitExceededException(String message) {
            super(message);
        }
    }

    /** The partition or engine is closed, or an I/O failure took it offline. */
    public static final class LogClosedException extends LogException {
        private static final long serialVersionUID = 1L;

        public LogClosedException(String message) {
            super(message);
        }
    }

    /** An I/O error from the file system, with the file it concerned. */
    public static final class LogIoException extends LogException {
        private static final long serialVersionUID = 1L;

        public LogIoException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
