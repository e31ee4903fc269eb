package io.cairn.log;

import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;

/**
 * Run in a child JVM by {@link TopicAdminTest}: tries to take the OS lock an engine holds on its data directory, as
 * an engine in another process would. Exit code 0: the lock was free (and is released again); 3: it is held.
 */
public final class DirLockProbe {
    private DirLockProbe() {
    }

    public static void main(String[] args) throws Exception {
        try (FileChannel ch = FileChannel.open(Path.of(args[0]), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            FileLock lock = ch.tryLock();
            if (lock == null) {
                System.exit(3);
            }
            lock.release();
        }
        System.exit(0);
    }

    /** Runs the probe on {@code lockFile} in a new JVM; true if the lock could be taken. */
    static boolean lockIsFree(Path lockFile) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classes = Path.of(DirLockProbe.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        Process p = new ProcessBuilder(java, "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-cp", classes,
                DirLockProbe.class.getName(), lockFile.toString()).inheritIO().start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("lock probe did not finish");
        }
        int code = p.exitValue();
        if (code != 0 && code != 3) {
            throw new AssertionError("lock probe failed with exit code " + code);
        }
        return code == 0;
    }
}
