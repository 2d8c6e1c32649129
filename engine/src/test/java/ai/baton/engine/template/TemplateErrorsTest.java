package ai.baton.engine.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Syntax errors carry line/column; runtime errors carry the line; raise_exception keeps its message. */
class TemplateErrorsTest {
    private static TemplateException compileError(String source) {
        return assertThrows(TemplateException.class, () -> ChatTemplate.compile(source));
    }

    private static TemplateException renderError(String source, Map<String, Object> vars) {
        ChatTemplate t = ChatTemplate.compile(source);
        return assertThrows(TemplateException.class, () -> t.renderWith(vars));
    }

    private static void assertContains(String needle, String message) {
        assertTrue(message.contains(needle), () -> "expected <" + needle + "> in <" + message + ">");
    }

    @Test
    void unclosedBlockReportsWhereTheTemplateEnds() {
        TemplateException e = compileError("a\n{% if x %}\nb");
        assertContains("Unexpected end of template", e.getMessage());
        assertContains("'endif'", e.getMessage());
        assertEquals(3, e.line());
    }

    @Test
    void badExpressionHasLineAndColumn() {
        TemplateException e = compileError("ok\n  {{ 1 + }}");
        assertEquals(2, e.line());
        assertEquals(10, e.column());
        assertContains("(line 2, column 10)", e.getMessage());
    }

    @Test
    void unknownAndMismatchedTags() {
        assertContains("Encountered unknown tag 'endfor'", compileError("{% endfor %}").getMessage());
        TemplateException e = compileError("{% for x in y %}\n{% endif %}");
        assertContains("Encountered unknown tag 'endif'", e.getMessage());
        assertContains("'endfor' or 'else'", e.getMessage());
        assertEquals(2, e.line());
        assertContains("unexpected '}', expected ')'", compileError("{{ foo( }}").getMessage());
        assertContains("Missing end of comment tag", compileError("{# unclosed").getMessage());
        assertContains("outside of a loop", compileError("{% break %}").getMessage());
    }

    @Test
    void unterminatedStringIsReported() {
        assertContains("unexpected char", compileError("{{ 'abc }}").getMessage());
    }

    @Test
    void raiseExceptionMessageIsExact() {
        TemplateException e = renderError("{% if messages|length == 0 %}{{ raise_exception('No messages!') }}{% endif %}",
                Map.of("messages", List.of()));
        assertEquals("No messages!", e.getMessage());
        assertTrue(e.raisedByTemplate());
    }

    @Test
    void runtimeErrorsCarryTheLine() {
        TemplateException e = renderError("a\n{% if true %}\n{{ 'x' + 1 }}\n{% endif %}", Map.of());
        assertEquals(3, e.line());
        assertContains("can only concatenate str (not \"int\") to str", e.getMessage());
    }

    @Test
    void iteratingNoneFails() {
        assertContains("'NoneType' object is not iterable", renderError("{% for m in x %}{% endfor %}", java.util.Collections.singletonMap("x", null)).getMessage());
    }

    @Test
    void callingMethodsOnUndefinedFails() {
        assertContains("'x' is undefined", renderError("{{ x.startswith('a') }}", Map.of()).getMessage());
        assertContains("'dict object' has no attribute 'content'",
                renderError("{{ m.content.startswith('a') }}", Map.of("m", Map.of())).getMessage());
        assertContains("'x' is undefined", renderError("{{ x + 1 }}", Map.of()).getMessage());
    }

    @Test
    void undefinedChainsRenderEmptyUntilUsed() {
        assertEquals("[]", ChatTemplate.compile("[{{ x.y.z }}{{ x['k'] }}{{ none.a }}]").renderWith(Map.of()));
        assertEquals("False", ChatTemplate.compile("{{ x.y is defined }}").renderWith(Map.of()));
    }

    @Test
    void unknownFiltersAndTestsFailWhenEvaluated() {
        assertContains("No filter named 'nosuch'", renderError("{{ 1|nosuch }}", Map.of()).getMessage());
        assertContains("No test named 'nosuch'", renderError("{{ 1 is nosuch }}", Map.of()).getMessage());
        // Only when reached, as Jinja does for tests/filters inside untaken branches.
        assertEquals("", ChatTemplate.compile("{% if false %}{{ 1|nosuch }}{% endif %}").renderWith(Map.of()));
    }

    @Test
    void sandboxRefusesMutation() {
        assertContains("unsafe", renderError("{{ [].append(1) }}", Map.of()).getMessage());
        assertContains("unsafe", renderError("{{ {}.update({'a': 1}) }}", Map.of()).getMessage());
    }

    @Test
    void assorted() {
        assertContains("division by zero", renderError("{{ 1 / 0 }}", Map.of()).getMessage());
        assertContains("not JSON serializable", renderError("{{ nope|tojson }}", Map.of()).getMessage());
        assertContains("takes not more than 1 argument", renderError("{% macro m(a) %}{% endmacro %}{{ m(1, 2) }}", Map.of()).getMessage());
        assertContains("'<' not supported between instances of 'str' and 'int'", renderError("{{ 'a' < 1 }}", Map.of()).getMessage());
        assertContains("not enough values to unpack", renderError("{% set a, b = [1] %}", Map.of()).getMessage());
        assertContains("Range too big", renderError("{{ range(1000000) }}", Map.of()).getMessage());
        assertContains("maximum recursion depth", renderError("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", Map.of()).getMessage());
    }

    @Test
    void slicingIsAPlainPythonSubscript() {
        // Jinja compiles x[a:b] to a direct subscript, so unlike x[i] a bad target fails.
        assertContains("'int' object is not subscriptable", renderError("{{ n[1:] }}", Map.of("n", 7)).getMessage());
        assertContains("'x' is undefined", renderError("{{ x[1:] }}", Map.of()).getMessage());
        assertContains("slice indices must be integers", renderError("{{ 'abc'[1:'a'] }}", Map.of()).getMessage());
        assertContains("slice step cannot be zero", renderError("{{ 'abc'[::0] }}", Map.of()).getMessage());
    }

    @Test
    void oneShotIteratorsHaveNoLength() {
        assertContains("has no len()", renderError("{{ l|select|length }}", Map.of("l", List.of(1))).getMessage());
        assertContains("not reversible", renderError("{{ l|map('string')|last }}", Map.of("l", List.of(1))).getMessage());
    }

    @Test
    void messagesAreOneLine() {
        TemplateException e = compileError("{% if x %}");
        assertTrue(!e.getMessage().contains("\n"));
    }
}
