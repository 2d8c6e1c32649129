package ai.baton.engine.backend.cuda;

import ai.baton.engine.EngineException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Finding and calling NCCL without a GPU. With {@code -Dbaton.test.ncclLib=/path/to/libnccl.so.2} the bindings are
 * called for real: the version, and a clique over GPUs that are not there must fail in one line, not crash.
 */
class NcclTest {

    private static boolean ncclOnLoaderPath() {
        try {
            java.lang.foreign.SymbolLookup.libraryLookup("libnccl.so.2", java.lang.foreign.Arena.ofAuto());
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    @Test
    void aMissingLibraryIsOneLineThatSaysWhatToDo(@TempDir Path tmp) throws Exception {
        assumeTrue(!ncclOnLoaderPath(), "this host has libnccl.so.2 on its loader path");
        // A wheel folder whose libnccl.so.2 is not a library, and an override that does not exist.
        Path lib = Files.createDirectories(tmp.resolve("site-packages/nvidia/nccl/lib")).resolve("libnccl.so.2");
        Files.writeString(lib, "not an ELF file");
        EngineException e = assertThrows(EngineException.class,
                () -> Nccl.load(tmp.resolve("missing/libnccl.so.2").toString(), List.of(tmp.resolve("site-packages"))));
        String m = e.getMessage();
        assertFalse(m.contains("\n"), m);
        assertTrue(m.startsWith("NCCL not found"), m);
        assertTrue(m.contains("BATON_NCCL_LIB") && m.contains("pip install nvidia-nccl-cu13"), m);
    }

    @Test
    void findsTheWheelUnderAPythonLibFolder(@TempDir Path tmp) throws Exception {
        Path sp = Files.createDirectories(tmp.resolve("lib/python3.12/site-packages"));
        Files.createDirectories(tmp.resolve("lib/python3.11/dist-packages"));
        Files.createDirectories(tmp.resolve("lib/perl5"));
        assertEquals(List.of(tmp.resolve("lib/python3.11/dist-packages"), sp), Nccl.sitePackages(List.of(tmp.resolve("lib"), tmp.resolve("none"))));
    }

    @Test
    void versionCodes() {
        assertEquals("2.30.7", Nccl.versionString(23007));
        assertEquals("2.28.3", Nccl.versionString(22803));
        assertEquals("2.8.4", Nccl.versionString(2804));
    }

    @Test
    void realLibraryVersionAndAOneLineErrorWithoutGpus() {
        String path = System.getProperty("baton.test.ncclLib");
        assumeTrue(path != null && Files.exists(Path.of(path)), "set -Dbaton.test.ncclLib to a libnccl.so.2");
        Nccl.Found f = Nccl.load(path, List.of());
        assertEquals(path, f.library());
        Nccl nccl = new Nccl(f.lookup(), f.library());
        assertTrue(nccl.version().startsWith("2."), nccl.version());
        assertEquals("unhandled cuda error (run with NCCL_DEBUG=INFO for details)", nccl.errorString(1));
        assumeTrue(!CudaBackendTest.gpuPresent(), "a GPU is present");
        EngineException e = assertThrows(EngineException.class, () -> nccl.commInitAll(new int[]{0, 1}));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertTrue(e.getMessage().startsWith("NCCL ncclCommInitAll failed: "), e.getMessage());
    }
}
