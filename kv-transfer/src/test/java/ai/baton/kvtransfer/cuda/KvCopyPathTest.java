package ai.baton.kvtransfer.cuda;

import ai.baton.kvtransfer.KvTransferException;
import org.junit.jupiter.api.Test;

import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

class KvCopyPathTest {
    private static final Supplier<String> OK = () -> null;
    private static final Supplier<String> NOT_ASKED = () -> fail("must not be asked (it loads the kernel or enables peer access)");

    @Test
    void manySegmentsUseTheKernelWhenItAndPeerAccessAreThere() {
        KvCopyPath.Decision d = KvCopyPath.choose(KvCopyMode.KERNEL, 64, OK, OK);
        assertEquals(KvCopyPath.KERNEL, d.path());
        assertNull(d.reason());
    }

    @Test
    void memcpyModeNeverTouchesTheKernel() {
        KvCopyPath.Decision d = KvCopyPath.choose(KvCopyMode.MEMCPY, 64, NOT_ASKED, NOT_ASKED);
        assertEquals(KvCopyPath.MEMCPY, d.path());
        assertNull(d.reason());
    }

    @Test
    void oneSegmentIsOneMemcpy() {
        assertEquals(new KvCopyPath.Decision(KvCopyPath.MEMCPY, "one segment"), KvCopyPath.choose(KvCopyMode.KERNEL, 1, NOT_ASKED, NOT_ASKED));
        assertEquals(KvCopyPath.MEMCPY, KvCopyPath.choose(KvCopyMode.KERNEL, 0, NOT_ASKED, NOT_ASKED).path());
    }

    @Test
    void noKernelFallsBackWithItsReason() {
        KvCopyPath.Decision d = KvCopyPath.choose(KvCopyMode.KERNEL, 8, () -> "this build has no batched copy kernel", NOT_ASKED);
        assertEquals(new KvCopyPath.Decision(KvCopyPath.MEMCPY, "this build has no batched copy kernel"), d);
    }

    @Test
    void noPeerAccessFallsBackWithItsReason() {
        KvCopyPath.Decision d = KvCopyPath.choose(KvCopyMode.KERNEL, 8, OK, () -> "no peer access from cuda:0 to cuda:1");
        assertEquals(new KvCopyPath.Decision(KvCopyPath.MEMCPY, "no peer access from cuda:0 to cuda:1"), d);
    }

    @Test
    void modeParsesKernelAndMemcpyAndDefaultsToKernel() {
        assertEquals(KvCopyMode.KERNEL, KvCopyMode.parse(null));
        assertEquals(KvCopyMode.KERNEL, KvCopyMode.parse(" "));
        assertEquals(KvCopyMode.KERNEL, KvCopyMode.parse("Kernel"));
        assertEquals(KvCopyMode.MEMCPY, KvCopyMode.parse("memcpy "));
        KvTransferException e = assertThrows(KvTransferException.class, () -> KvCopyMode.parse("dma"));
        assertEquals("unknown KV copy mode 'dma' (BATON_KV_COPY / -Dbaton.kv.copy: kernel or memcpy)", e.getMessage());
    }

    @Test
    void systemPropertyWinsOverTheEnvironment() {
        String before = System.getProperty(KvCopyMode.PROPERTY);
        try {
            System.setProperty(KvCopyMode.PROPERTY, "memcpy");
            assertEquals(KvCopyMode.MEMCPY, KvCopyMode.current());
        } finally {
            if (before == null) System.clearProperty(KvCopyMode.PROPERTY);
            else System.setProperty(KvCopyMode.PROPERTY, before);
        }
    }

    @Test
    void countsSayWhichPathRan() {
        KvCopyCounts before = new KvCopyCounts(3, 300, 1, 2, null);
        assertEquals("none", before.since(before).path());
        assertEquals("kernel", new KvCopyCounts(5, 500, 1, 2, null).since(before).path());
        KvCopyCounts memcpy = new KvCopyCounts(3, 300, 4, 8, "one segment").since(before);
        assertEquals("memcpy", memcpy.path());
        assertEquals(3, memcpy.memcpyWrites());
        assertEquals(6, memcpy.memcpyCopies());
        assertEquals("one segment", memcpy.lastFallback());
        assertEquals("kernel+memcpy", new KvCopyCounts(4, 400, 2, 3, "x").since(before).path());
    }
}
