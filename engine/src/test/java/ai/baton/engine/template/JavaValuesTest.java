package ai.baton.engine.template;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Java inputs map onto Python values; Python's float repr and str repr are exact; rendering is thread-safe. */
class JavaValuesTest {
    @Test
    void javaNumbersBecomePythonIntsAndFloats() throws Exception {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("i", 5);
        v.put("f", 1.5f);
        v.put("bd", new BigDecimal("2.5"));
        v.put("big", new BigInteger("123456789012345678901234567890"));
        v.put("arr", new Object[] {1, "a"});
        v.put("node", new ObjectMapper().readTree("{\"k\": [1, 2.0, null, true]}"));
        String out = ChatTemplate.compile("{{ i }} {{ f }} {{ bd }} {{ big }} {{ big + 1 }} {{ arr }} {{ node }} {{ node|tojson }} {{ i is integer }}")
                .renderWith(v);
        assertEquals("5 1.5 2.5 123456789012345678901234567890 123456789012345678901234567891 [1, 'a'] "
                + "{'k': [1, 2.0, None, True]} {\"k\": [1, 2.0, null, true]} True", out);
    }

    @Test
    void floatReprMatchesPython() {
        assertEquals("1.0", PyRepr.floatRepr(1.0));
        assertEquals("0.1", PyRepr.floatRepr(0.1));
        assertEquals("0.30000000000000004", PyRepr.floatRepr(0.1 + 0.2));
        assertEquals("1e+16", PyRepr.floatRepr(1e16));
        assertEquals("1000000000000000.0", PyRepr.floatRepr(1e15));
        assertEquals("0.0001", PyRepr.floatRepr(1e-4));
        assertEquals("1e-05", PyRepr.floatRepr(1e-5));
        assertEquals("1.5e-07", PyRepr.floatRepr(1.5e-7));
        assertEquals("-2.5e+100", PyRepr.floatRepr(-2.5e100));
        assertEquals("inf nan -0.0", PyRepr.floatRepr(Double.POSITIVE_INFINITY) + " " + PyRepr.floatRepr(Double.NaN) + " "
                + PyRepr.floatRepr(-0.0));
        assertEquals("5e-324", PyRepr.floatRepr(Double.MIN_VALUE));
        assertEquals("1.7976931348623157e+308", PyRepr.floatRepr(Double.MAX_VALUE));
    }

    @Test
    void stringReprPicksQuotesLikePython() {
        assertEquals("'a'", PyRepr.repr("a"));
        assertEquals("\"it's\"", PyRepr.repr("it's"));
        assertEquals("'say \"hi\"'", PyRepr.repr("say \"hi\""));
        assertEquals("'both \\' \"'", PyRepr.repr("both ' \""));
        assertEquals("'\\n\\t\\r\\x00\\x7f\\xa0é\\u200b😀\\\\'", PyRepr.repr("\n\t\r\0\u007f\u00a0é\u200b😀\\"));
    }

    @Test
    void generationTagRendersItsBody() {
        // transformers' AssistantTracker tag: output unchanged, body in its own scope.
        ChatTemplate t = ChatTemplate.compile("{% for m in messages %}{% if m.role == 'assistant' %}{% generation %}"
                + "{% set x = 1 %}{{ m.content }}{% endgeneration %}{% else %}{{ m.content }}{% endif %}|{% endfor %}[{{ x }}]");
        assertEquals("q|a|[]", t.render(List.of(Map.of("role", "user", "content", "q"), Map.of("role", "assistant", "content", "a")),
                false, Map.of()));
    }

    @Test
    void concurrentRendersShareOneCompiledTemplate() throws Exception {
        ChatTemplate t = ChatTemplate.compile(
                "{% set ns = namespace(n=0) %}{% for m in messages %}{% set ns.n = ns.n + m.content|length %}{% endfor %}{{ ns.n }}");
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<String>> results = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                int len = i;
                results.add(pool.submit(() -> t.render(List.of(Map.of("role", "user", "content", "x".repeat(len))), false, Map.of())));
            }
            for (int i = 0; i < 64; i++) assertEquals(Integer.toString(i), results.get(i).get());
        } finally {
            pool.shutdownNow();
        }
    }
}
