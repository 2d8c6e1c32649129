package ai.baton.engine.guide;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class GuideCacheTest {
    @Test
    void repeatedSpecsShareOneGuideWithinCapacity() {
        GuideCache cache = new GuideCache(2);
        Guide a = cache.compile(GuideSpec.regex("[a-z]+@[a-z]+\\.com"));
        assertSame(a, cache.compile(GuideSpec.regex("[a-z]+@[a-z]+\\.com")), "an equal spec is found, not compiled again");
        Guide b = cache.compile(GuideSpec.choice(List.of("yes", "no")));
        assertSame(a, cache.compile(GuideSpec.regex("[a-z]+@[a-z]+\\.com")));  // a is now the most recently used
        cache.compile(GuideSpec.jsonObject());                                  // evicts b, the least recently used
        assertSame(a, cache.compile(GuideSpec.regex("[a-z]+@[a-z]+\\.com")));
        assertNotSame(b, cache.compile(GuideSpec.choice(List.of("yes", "no"))), "an evicted spec is compiled again");
    }

    @Test
    void badSpecsStillFailEveryTime() {
        GuideCache cache = new GuideCache(4);
        for (int i = 0; i < 2; i++) assertThrows(GuideException.class, () -> cache.compile(GuideSpec.regex("(a)\\1")));
    }
}
