package io.cairn.log.kafka;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.List;

import io.netty.buffer.Unpooled;
import io.netty.channel.DefaultFileRegion;
import org.apache.kafka.common.network.Send;
import org.apache.kafka.common.network.TransferableChannel;

/**
 * Turns a kafka-clients {@link Send} (a serialized response, size prefix included) into Netty messages: byte buffers
 * are wrapped without copying, and file ranges (fetched records) become {@link DefaultFileRegion}s, which Netty sends
 * with {@code sendfile}.
 */
final class ResponseWriter implements TransferableChannel {
    private final List<Object> parts = new ArrayList<>(4);

    /** The Netty messages that carry {@code send}, in order. */
    static List<Object> toMessages(Send send) throws IOException {
        ResponseWriter w = new ResponseWriter();
        int guard = 0;
        while (!send.completed()) {
            send.writeTo(w);
            if (++guard > 1_000_000) {
                throw new IOException("a response Send did not complete");
            }
        }
        return w.parts;
    }

    @Override
    public boolean hasPendingWrites() {
        return false;
    }

    @Override
    public long transferFrom(FileChannel fileChannel, long position, long count) {
        if (count > 0) {
            parts.add(new SharedFileRegion(fileChannel, position, count));
        }
        return count;
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) {
        long n = 0;
        for (int i = offset; i < offset + length; i++) {
            n += write(srcs[i]);
        }
        return n;
    }

    @Override
    public long write(ByteBuffer[] srcs) {
        return write(srcs, 0, srcs.length);
    }

    @Override
    public int write(ByteBuffer src) {
        int n = src.remaining();
        if (n > 0) {
            parts.add(Unpooled.wrappedBuffer(src.slice()));
            src.position(src.limit());
        }
        return n;
    }

    @Override
    public boolean isOpen() {
        return true;
    }

    @Override
    public void close() {
    }

    /** A file region over a segment's channel, which the segment owns: releasing the region must not close it. */
    static final class SharedFileRegion extends DefaultFileRegion {
        SharedFileRegion(FileChannel channel, long position, long count) {
            super(channel, position, count);
        }

        @Override
        protected void deallocate() {
            // the channel belongs to the log segment
        }
    }
}
