package ai.baton.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonCursorTest {
    private static JsonCursor cursor(String json) {
        return new JsonCursor(json.getBytes(StandardCharsets.UTF_8), "test.json");
    }

    @Test
    void stringsWithEscapesAndRawUtf8() {
        JsonCursor c = cursor(" \"plain\" \"a\\\"b\\\\c\\/d\\n\\t\\r\\b\\f\" \"\\u0120x\\u00e9\" \"\\ud83d\\ude00\" \"Ġ东😀\" ");
        assertEquals("plain", c.readString());
        assertEquals("a\"b\\c/d\n\t\r\b\f", c.readString());
        assertEquals("Ġxé", c.readString());
        assertEquals("😀", c.readString());
        assertEquals("Ġ东😀", c.readString());
    }

    @Test
    void skipsNestedValuesAndReportsTheirSpan() {
        String json = "{\"a\": [1, {\"b\": \"]}\\\"\"}, null], \"c\": -1.5e3, \"d\": true}";
        JsonCursor c = cursor(json);
        c.expect('{');
        assertEquals("a", c.readString());
        c.expect(':');
        int start = c.skipValue();
        assertEquals("[1, {\"b\": \"]}\\\"\"}, null]", json.substring(start, c.position()));
        assertTrue(c.more('}'));
        assertEquals("c", c.readString());
        c.expect(':');
        c.skipValue();
        assertTrue(c.more('}'));
        assertEquals("d", c.readString());
        c.expect(':');
        assertTrue(c.readBooleanOrNull());
        assertFalse(c.more('}'));
    }

    @Test
    void integersAndErrors() {
        JsonCursor c = cursor("[0, 151643, -7]");
        c.expect('[');
        assertEquals(0, c.readInt());
        assertTrue(c.more(']'));
        assertEquals(151643, c.readInt());
        assertTrue(c.more(']'));
        assertEquals(-7, c.readInt());
        assertFalse(c.more(']'));
        TokenizerException e = assertThrows(TokenizerException.class, () -> cursor("1.5").readInt());
        assertTrue(e.getMessage().contains("test.json") && e.getMessage().contains("byte"), e.getMessage());
        assertThrows(TokenizerException.class, () -> cursor("\"unterminated").readString());
        assertThrows(TokenizerException.class, () -> cursor("\"bad \\x escape\"").readString());
        assertThrows(TokenizerException.class, () -> cursor("[1, 2").skipValue());
    }

    @Test
    void tokenizerJsonWithEscapedVocabAndMergesBeforeVocab(@TempDir Path tmp) throws Exception {
        // merges first and tokens spelled with \\u escapes: legal JSON, though not how HF writes it
        Files.writeString(tmp.resolve("tokenizer.json"), """
                {"version": "1.0", "added_tokens": [],
                 "model": {"type": "BPE", "merges": [["\\u0120", "a"], "\\u0120a b"],
                           "vocab": {"\\u0120": 0, "a": 1, "b": 2, "\\u0120a": 3, "\\u0120ab": 4}},
                 "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "use_regex": true},
                 "decoder": {"type": "ByteLevel"}}""");
        Tokenizer tok = Tokenizer.load(tmp);
        assertArrayEquals(new int[] {1, 4}, tok.encode("a ab"));
        assertEquals("a ab", tok.decode(new int[] {1, 4}));
        assertEquals(5, tok.vocabSize());
        assertEquals(2, tok.mergeCount());
    }
}
