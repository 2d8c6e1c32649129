package ai.baton.engine.template;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Jinja features one by one. Every expected string was produced by Python Jinja2 3.1 configured
 * as transformers configures it (ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks,
 * loopcontrols, transformers' tojson), so these pin Python semantics, not our reading of them.
 */
class JinjaFeaturesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static void check(String source, String expected) {
        assertEquals(expected, ChatTemplate.compile(source).renderWith(Map.of()), source);
    }

    static void check(String source, String varsJson, String expected) {
        try {
            Map<String, Object> vars = JSON.readValue(varsJson, new TypeReference<>() {});
            assertEquals(expected, ChatTemplate.compile(source).renderWith(vars), source);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    /** {{- -}}, {%- -%}, {#- -#} strip all whitespace on their side; '+' opts out. */
    @Test
    void whitespaceControl() {
        check("a  {{- 'x' -}}  b",
                "axb");
        check("a\n  {%- if true -%}\n  x  \n{%- endif -%}\n b",
                "axb");
        check("{%- set x = 1 -%}\n\n{{ x }}",
                "1");
        check("{#- c -#}  x",
                "x");
        check("x {# c #} y",
                "x  y");
        check("a {%+ if true %}x{% endif %}",
                "a x");
        check("{% if true +%}\nx{% endif %}",
                "\nx");
        check("{% for i in range(2) -%}\n   {{ i }}\n{%- endfor %}",
                "01");
    }

    /** trim_blocks drops the newline after a block tag; lstrip_blocks drops indentation before it. */
    @Test
    void trimAndLstripBlocks() {
        check("{% if true %}\n  x\n{% endif %}\n",
                "  x\n");
        check("  {% if true %}x{% endif %}  \ny",
                "x  \ny");
        check("line\n    {# comment #}\nnext",
                "line\nnext");
        check("{% for i in range(3) %}\n  {{ i }}\n{% endfor %}\n",
                "  0\n  1\n  2\n");
        check("{{ 'a' }}\n{{ 'b' }}\n",
                "a\nb");
        check("a\r\nb{% if 1 %}\r\nc{% endif %}\r\n",
                "a\nbc");
        check("trailing\n\n",
                "trailing\n");
        check("  {{ 'variable tags are not lstripped' }}\n",
                "  variable tags are not lstripped");
        check("{% raw %}{{ not parsed }}{% endraw %}",
                "{{ not parsed }}");
        check("  {%- raw %} {{x}} {% endraw -%}  z",
                " {{x}} z");
    }

    /** Literals and Python str()/repr() of values. */
    @Test
    void literalsAndPythonRepr() {
        check("{{ 'it\\'s' }}|{{ \"a\\\"b\" }}|{{ '\\n'|length }}|{{ '\\x41\\u00e9\\U0001F600' }}|{{ 'a' 'b' }}",
                "it's|a\"b|1|Aé😀|ab");
        check("{{ [1, 'a', None, True, 1.5, (1, 2), {'k': \"it's\"}] }}",
                "[1, 'a', None, True, 1.5, (1, 2), {'k': \"it's\"}]");
        check("{{ {'a': 1, 'b': [1, 2], 3: 'x'} }}",
                "{'a': 1, 'b': [1, 2], 3: 'x'}");
        check("{{ ('a',) }}{{ () }}{{ [] }}{{ {} }}",
                "('a',)()[]{}");
        check("{{ ['it\\'s', 'a\"b', 'both\\'\"', '\\n\\t\\x01\\x7f\\xa0é\\u200b\\U0001F600\\\\'] }}",
                "[\"it's\", 'a\"b', 'both\\'\"', '\\n\\t\\x01\\x7f\\xa0é\\u200b😀\\\\']");
        check("{{ 1.0 }} {{ 1e16 }} {{ 1.5e-5 }} {{ 0.1 + 0.2 }} {{ 1/3 }} {{ -0.0 }} {{ 2.5e20 }} {{ 123456789012345678 }} {{ 1e100 }} {{ 3.14159 }} {{ 0.0001 }} {{ 1e15 }}",
                "1.0 1e+16 1.5e-05 0.30000000000000004 0.3333333333333333 -0.0 2.5e+20 123456789012345678 1e+100 3.14159 0.0001 1000000000000000.0");
        check("{{ 0x1F }} {{ 0o17 }} {{ 0b101 }} {{ 1_000 }} {{ 1_000.5 }} {{ 2e3 }}",
                "31 15 5 1000 1000.5 2000.0");
        check("{{ true }}{{ True }}{{ false }}{{ none }}{{ None }}|{{ nope }}|",
                "TrueTrueFalseNoneNone||");
        check("{{ 1, 2 }} {{ range(3) }} {{ {'a': 1}.items() }} {{ {'a': 1}.keys() }} {{ {'a': 1}.values() }}",
                "(1, 2) range(0, 3) dict_items([('a', 1)]) dict_keys(['a']) dict_values([1])");
    }

    /** Arithmetic, comparison, membership and logic follow Python (and Jinja's ** / unary minus precedence). */
    @Test
    void operators() {
        check("{{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % -3 }} {{ -7 % 3 }} {{ 7.5 // 2 }} {{ -7.5 % 2 }} {{ 2 ** 10 }} {{ 2 ** -1 }} {{ 2 ** 3 ** 2 }} {{ -2 ** 2 }}",
                "3 -4 -2 2 3.0 0.5 1024 0.5 64 4");
        check("{{ 10 / 4 }} {{ 10 / 5 }} {{ 3 * 'ab' }} {{ [1] * 3 }} {{ 'a' + 'b' }} {{ [1] + [2] }} {{ 1 + 2.0 }} {{ true + 1 }}",
                "2.5 2.0 ababab [1, 1, 1] ab [1, 2] 3.0 2");
        check("{{ 9999999999999999999 * 9999999999999999999 }} {{ 2 ** 100 }}",
                "99999999999999999980000000000000000001 1267650600228229401496703205376");
        check("{{ 1 ~ 2 ~ none ~ true }}{{ 'x' ~ undefined_var ~ 'y' }}",
                "12NoneTruexy");
        check("{{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }} {{ 'a' < 'b' }} {{ [1,2] < [1,3] }} {{ 1 == 1.0 }} {{ true == 1 }} {{ (1,2) == [1,2] }} {{ none == none }}",
                "True False True True True True False True");
        check("{{ 'a' in 'abc' }} {{ 'x' not in 'abc' }} {{ 1 in [1,2] }} {{ 'k' in {'k':1} }} {{ 3 not in (1,2) }}",
                "True True True True True");
        check("{{ 1 and 2 }} {{ 0 and 2 }} {{ 0 or 'x' }} {{ '' or [] }} {{ not 0 }} {{ not [1] }} {{ none or 'd' }}",
                "2 0 x [] True False d");
        check("{{ 'y' if 1 else 'n' }} {{ 'y' if 0 else 'n' }} [{{ 'y' if 0 }}] {{ 'a' if 0 else 'b' if 1 else 'c' }}",
                "y n [] b");
        check("{{ '%s is %d years, %.2f, %5s|%-5s|%05.1f %x %%' % ('Bob', 42, 3.14159, 'r', 'l', 2.25, 255) }} {{ '%(a)s-%(b)s' % {'a': 1, 'b': 2} }} {{ '%.1f %.2f %.0f %.0f' % (0.25, 1.005, 0.5, 1.5) }} {{ '%e %g %g %g' % (12345.678, 0.0001, 1e20, 123.0) }}",
                "Bob is 42 years, 3.14,     r|l    |002.2 ff % 1-2 0.2 1.00 0 2 1.234568e+04 0.0001 1e+20 123");
    }

    /** Item/attribute access (missing -> undefined) and Python slices, by code point. */
    @Test
    void subscriptsAndSlices() {
        check("{{ [1,2,3,4][::-1] }} {{ 'hello'[1:3] }} {{ 'hello'[::-2] }} {{ [1,2,3][-1] }} {{ [1,2,3][5] }}|{{ 'abc'[-5:] }} {{ [1,2,3,4,5][1:-1:2] }} {{ [1,2,3][10:] }} {{ (1,2,3)[1:] }}",
                "[4, 3, 2, 1] el olh 3 |abc [2, 4] [] (2, 3)");
        check("{{ 'héllo😀x'[5] }} {{ 'héllo😀x'[::-1] }} {{ 'héllo😀x'|length }} {{ '😀a'[1:] }} {{ 'a😀b'.find('b') }}",
                "😀 x😀olléh 7 a 2");
        check("{{ d.a }} {{ d['a'] }} {{ d.missing }}|{{ d['items'] }} {{ d.items is defined }} {{ l.0 }} {{ l[-1] }}",
                "{\"d\": {\"a\": 1, \"items\": 9}, \"l\": [5, 6]}",
                "1 1 |9 True 5 6");
        check("{% set m = {'role': 'user'} %}{{ m.role == m['role'] }} {{ m.content is defined }} {{ none.x is defined }}",
                "True False False");
    }

    /** for loops: loop variables, else, filters, unpacking, break/continue, recursion. */
    @Test
    void forLoops() {
        check("{% for x in [1,2,3] %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}|{% endfor %}",
                "1032TrueFalse3|2121FalseFalse3|3210FalseTrue3|");
        check("{% for x in [1,2,3] %}{{ loop.previtem }}-{{ loop.nextitem }};{% endfor %}",
                "-2;1-3;2-;");
        check("{% for x in [] %}a{% else %}empty{% endfor %}",
                "empty");
        check("{% for x in [1,2,3,4] if x is even %}{{ x }}{{ loop.length }}{% else %}E{% endfor %}",
                "2242");
        check("{% for k, v in {'a': 1, 'b': 2}.items() %}{{ k }}={{ v }},{% endfor %}",
                "a=1,b=2,");
        check("{% for a, b in [(1, 2), [3, 4]] %}{{ a + b }}{% endfor %}",
                "37");
        check("{% for x in 'abc' %}{{ x }}.{% endfor %}",
                "a.b.c.");
        check("{% for k in {'z':1,'a':2} %}{{ k }}{% endfor %}",
                "za");
        check("{% for x in undefined_thing %}x{% else %}none{% endfor %}",
                "none");
        check("{% for x in [1,2,3,4,5] %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 4 %}{% break %}{% endif %}{{ x }}{% endfor %}",
                "13");
        check("{% for row in [[1,2],[3]] %}{% for c in row %}{{ loop.index }}/{{ loop.length }} {% endfor %}{{ loop.index }};{% endfor %}",
                "1/2 2/2 1;1/1 2;");
        check("{% for x in [1,2,3] %}{{ loop.cycle('a','b') }}{% endfor %}",
                "aba");
        check("{% for x in [1,1,2,3,3] %}{% if loop.changed(x) %}{{ x }}{% endif %}{% endfor %}",
                "123");
        check("{% for i in range(5) %}{{ i }}{% endfor %}{% for i in range(1, 10, 3) %}{{ i }}{% endfor %}{% for i in range(5, 0, -2) %}{{ i }}{% endfor %}",
                "01234147531");
        check("{% for x in tree recursive %}<{{ x.n }}{% if x.c %}{{ loop(x.c) }}{% endif %}>{% endfor %}",
                "{\"tree\": [{\"n\": 1, \"c\": [{\"n\": 2, \"c\": []}]}, {\"n\": 3}]}",
                "<1<2>><3>");
    }

    /** set, block set, namespace, with: loop bodies get a fresh scope per iteration; if bodies do not. */
    @Test
    void assignmentAndScoping() {
        check("{% set x = 1 %}{% for i in range(2) %}{{ x }}{% set x = 2 %}{{ x }}{% endfor %}{{ x }}",
                "12121");
        check("{% set ns = namespace(c=0, items=[]) %}{% for i in range(3) %}{% set ns.c = ns.c + i %}{% set ns.items = ns.items + [i] %}{% endfor %}{{ ns.c }} {{ ns.items }}",
                "3 [0, 1, 2]");
        check("{% set a, b = 1, 2 %}{{ a }}{{ b }}{% set t = 1, 2 %}{{ t }}",
                "12(1, 2)");
        check("{% set x %}inner {{ 1 + 1 }}{% endset %}[{{ x }}]",
                "[inner 2]");
        check("{% set x | upper %}abc{% endset %}{{ x }}",
                "ABC");
        check("{% filter upper %}hello {{ 'w' }}{% endfilter %}",
                "HELLO W");
        check("{% with a = 1, b = 2 %}{{ a + b }}{% endwith %}[{{ a }}]",
                "3[]");
        check("{% if true %}{% set y = 5 %}{% endif %}{{ y }}",
                "5");
        check("{% set ns = namespace({'k': 1}) %}{{ ns.k }}{% set d = dict(a=1, b='x') %} {{ d }}",
                "1 {'a': 1, 'b': 'x'}");
    }

    /** Macros with defaults, varargs/kwargs, caller(), recursion and closure over template variables. */
    @Test
    void macrosAndCallBlocks() {
        check("{% macro m(a, b=2, c='x') %}[{{ a }},{{ b }},{{ c }}]{% endmacro %}{{ m(1) }}{{ m(1, 3) }}{{ m(1, c='z') }}{{ m() }}",
                "[1,2,x][1,3,x][1,2,z][,2,x]");
        check("{% macro m(a) %}{{ a }}|{{ varargs }}|{{ kwargs }}{% endmacro %}{{ m(1, 2, 3, k=4) }}",
                "1|(2, 3)|{'k': 4}");
        check("{% macro outer() %}<{{ caller() }}>{% endmacro %}{% call outer() %}inside{% endcall %}",
                "<inside>");
        check("{% macro list(items) %}{% for i in items %}{{ caller(i) }}{% endfor %}{% endmacro %}{% call(x) list([1,2]) %}[{{ x }}]{% endcall %}",
                "[1][2]");
        check("{% set g = 'G' %}{% macro m() %}{{ g }}{% endmacro %}{{ m() }}",
                "G");
        check("{% macro f(n) %}{% if n > 0 %}{{ n }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(3) }}",
                "321");
        check("{%- macro render(v) -%}\n  {%- if v is mapping -%}{ {%- for k, x in v.items() -%}{{ k }}={{ render(x) }}{{ ',' if not loop.last }}{%- endfor -%} }\n  {%- else -%}{{ v }}{%- endif -%}\n{%- endmacro -%}\n{{ render({'a': 1, 'b': {'c': 2}}) }}",
                "{a=1,b={c=2}}");
    }

    /** Python str methods. */
    @Test
    void stringMethods() {
        check("{{ s.startswith('He') }}{{ s.endswith(('x','d!')) }}{{ s.startswith('l', 2) }}{{ s.upper() }}{{ s.lower() }}{{ s.title() }}{{ 'hello wORLD'.capitalize() }}",
                "{\"s\": \"Hello World!\"}",
                "TrueTrueTrueHELLO WORLD!hello world!Hello World!Hello world");
        check("{{ '  a  b  '.split() }}{{ 'a,b,,c'.split(',') }}{{ 'a,b,c'.split(',', 1) }}{{ 'a b c'.rsplit(None, 1) }}{{ 'a,b,c'.rsplit(',', 1) }}{{ '  a b  c  '.split(None, 1) }}{{ ''.split() }}{{ ''.split(',') }}",
                "['a', 'b']['a', 'b', '', 'c']['a', 'b,c']['a b', 'c']['a,b', 'c']['a', 'b  c  '][]['']");
        check("{{ '\\n\\nx\\n'.strip('\\n') }}|{{ 'xxhixx'.strip('x') }}|{{ '  hi '.lstrip() }}|{{ ' hi  '.rstrip() }}|{{ 'abcba'.strip('ab') }}",
                "x|hi|hi | hi|c");
        check("{{ 'aaa'.replace('a', 'b', 2) }} {{ 'abc'.replace('', '-') }} {{ 'hello'.find('l') }} {{ 'hello'.rfind('l') }} {{ 'hello'.find('z') }} {{ 'hello'.count('l') }}",
                "bba -a-b-c- 2 3 -1 2");
        check("{{ '-'.join(['a', 'b']) }} {{ ', '.join('abc') }} {{ '{} and {}'.format('x', 1) }} {{ '{0}{name}'.format('a', name='b') }} {{ '{:>5}|{:<4}|{:^5}|{:.2f}|{:05d}|{:,}'.format('a', 'b', 'c', 3.14159, 42, 1234567) }}",
                "a-b a, b, c x and 1 ab     a|b   |  c  |3.14|00042|1,234,567");
        check("{{ 'a\\nb\\r\\nc'.splitlines() }} {{ 'abc'.zfill(5) }} {{ 'ab'.center(6, '*') }} {{ 'a-b-c'.partition('-') }} {{ 'x'.isdigit() }} {{ '12'.isdigit() }} {{ 'Ab'.isupper() }} {{ 'AB'.isupper() }} {{ 'hello world'.title() }} {{ \"they're bill's\".title() }}",
                "['a', 'b', 'c'] 00abc **ab** ('a', '-', 'b-c') False True False True Hello World They'Re Bill'S");
        check("{% set c = '<think>\\nreason\\n</think>\\n\\nanswer' %}{{ c.split('</think>')[-1].lstrip('\\n') }}|{{ c.split('</think>')[0].rstrip('\\n').split('<think>')[-1].lstrip('\\n') }}",
                "answer|reason");
    }

    /** dict.get/items/keys/values and list.index/count. */
    @Test
    void dictAndListMethods() {
        check("{{ d.get('a') }} {{ d.get('z') }} {{ d.get('z', 5) }} {{ d.keys()|list }} {{ d.values()|list }} {{ d.items()|list }} {{ d|length }}",
                "{\"d\": {\"a\": 1, \"items\": 9}}",
                "1 None 5 ['a', 'items'] [1, 9] [('a', 1), ('items', 9)] 2");
        check("{{ l.index(6) }} {{ l.count(5) }} {{ [1,2,1].count(1) }}",
                "{\"l\": [5, 6]}",
                "1 1 2");
    }

    /** Builtin filters. */
    @Test
    void filters() {
        check("{{ s|length }} {{ l|count }} {{ '  x  '|trim }}|{{ 'xxaxx'|trim('x') }} {{ 'abc'|upper }} {{ 'ABC'|lower }} {{ 'hello wORLD-foo(bar'|title }} {{ 'hELLO'|capitalize }}",
                "{\"s\": \"Hello World!\", \"l\": [5, 6]}",
                "12 2 x|a ABC abc Hello World-Foo(Bar Hello");
        check("{{ missing|default('dft') }} {{ ''|default('dft') }} {{ ''|default('dft', true) }} {{ none|d('n') }} {{ 0|d(5, boolean=true) }}",
                "dft  dft None 5");
        check("{{ l|first }} {{ l|last }} {{ 'abc'|first }} {{ []|first }}| {{ l|join(',') }} {{ [1,none,'a']|join }} {{ users|join(', ', attribute='name') }}",
                "{\"l\": [5, 6], \"users\": [{\"name\": \"al\", \"age\": 30, \"active\": true}, {\"name\": \"bo\", \"age\": 40, \"active\": false}, {\"name\": \"cy\", \"age\": 25, \"active\": true}]}",
                "5 6 a | 5,6 1Nonea al, bo, cy");
        check("{{ 'ab'|list }} {{ {'a':1}|list }} {{ users|map(attribute='name')|list }} {{ users|map(attribute='zz', default='?')|list }} {{ ['a','b']|map('upper')|list }} {{ [1.5, 2.5]|map('round')|list }}",
                "{\"users\": [{\"name\": \"al\", \"age\": 30, \"active\": true}, {\"name\": \"bo\", \"age\": 40, \"active\": false}, {\"name\": \"cy\", \"age\": 25, \"active\": true}]}",
                "['a', 'b'] ['a'] ['al', 'bo', 'cy'] ['?', '?', '?'] ['A', 'B'] [2.0, 2.0]");
        check("{{ users|selectattr('active')|map(attribute='name')|list }} {{ users|rejectattr('active')|list }} {{ users|selectattr('age', 'gt', 30)|list|length }} {{ users|selectattr('name', 'equalto', 'bo')|list }}",
                "{\"users\": [{\"name\": \"al\", \"age\": 30, \"active\": true}, {\"name\": \"bo\", \"age\": 40, \"active\": false}, {\"name\": \"cy\", \"age\": 25, \"active\": true}]}",
                "['al', 'cy'] [{'name': 'bo', 'age': 40, 'active': False}] 1 [{'name': 'bo', 'age': 40, 'active': False}]");
        check("{{ [1,2,3,4]|select('odd')|list }} {{ [1,2,3,4]|reject('even')|list }} {{ [0,1,'',None,'a']|select|list }} {{ [1,2,3]|select('divisibleby', 3)|list }} {{ [1,5,9]|select('>', 4)|list }}",
                "[1, 3] [1, 3] [1, 'a'] [3] [5, 9]");
        check("{{ 42|string }} {{ '42'|int + 1 }} {{ '3.7'|int }} {{ 'x'|int }} {{ 'x'|int(7) }} {{ '0x1A'|int(base=16) }} {{ 3.9|int }} {{ '2.5'|float }} {{ 'a'|float }} {{ 3|float }} {{ true|int }}",
                "42 43 3 0 7 26 3 2.5 0.0 3.0 1");
        check("{{ -3|abs }} {{ (-3.5)|abs }} {{ 2.5|round }} {{ 3.5|round }} {{ 2.675|round(2) }} {{ 3|round }} {{ 2.1|round(method='ceil') }} {{ 2.9|round(method='floor') }} {{ 1234.5|round(-2) }}",
                "3 3.5 2.0 4.0 2.67 3 3.0 2.0 1200.0");
        check("{{ 'aaa'|replace('a', 'b') }} {{ 'aaa'|replace('a', 'b', 1) }} {{ {'b':1, 'a':2}|items|list }} {{ {'b':1, 'A':2, 'a': 0}|dictsort }} {{ {'b':1, 'a':2}|dictsort(by='value') }} {{ {'b':1, 'a':2}|dictsort(reverse=true) }}",
                "bbb baa [('b', 1), ('a', 2)] [('A', 2), ('a', 0), ('b', 1)] [('b', 1), ('a', 2)] [('b', 1), ('a', 2)]");
        check("{{ [3,1,2,1]|unique|list }} {{ ['a','A','b']|unique|list }} {{ ['a','A','b']|unique(case_sensitive=true)|list }} {{ [1,2,3]|reverse|list }} {{ 'abc'|reverse }} {{ [3,1,2]|sort }} {{ ['b','A','c']|sort }} {{ ['b','A','c']|sort(case_sensitive=true) }} {{ [3,1,2]|sort(reverse=true) }}",
                "[3, 1, 2] ['a', 'b'] ['a', 'A', 'b'] [3, 2, 1] cba [1, 2, 3] ['A', 'b', 'c'] ['A', 'b', 'c'] [3, 2, 1]");
        check("{{ users|sort(attribute='age')|map(attribute='name')|list }} {{ users|sort(attribute='active,name')|map(attribute='name')|list }} {{ [1,2,3]|sum }} {{ users|sum(attribute='age') }} {{ [1.5,2]|sum(start=10) }} {{ [3,1,2]|min }} {{ [3,1,2]|max }} {{ ['b','A']|min }} {{ users|max(attribute='age') }}",
                "{\"users\": [{\"name\": \"al\", \"age\": 30, \"active\": true}, {\"name\": \"bo\", \"age\": 40, \"active\": false}, {\"name\": \"cy\", \"age\": 25, \"active\": true}]}",
                "['cy', 'al', 'bo'] ['bo', 'al', 'cy'] 6 95 13.5 1 3 A {'name': 'bo', 'age': 40, 'active': False}");
        check("{{ 'a\\nb\\n\\nc'|indent }}|{{ 'a\\nb'|indent(2, true) }}|{{ 'a\\n\\nb'|indent(width='> ', blank=true) }}|{{ '<a href=\"x\">&\\'</a>'|e }} {{ '<b>'|safe }} {{ '<b>'|escape }}",
                "a\n    b\n\n    c|  a\n  b|a\n> \n> b|&lt;a href=&#34;x&#34;&gt;&amp;&#39;&lt;/a&gt; <b> &lt;b&gt;");
        check("{{ 'hello world foo'|wordcount }} {{ 'ab'|center(6) }} {{ '%s-%s'|format(1, 2) }} {{ [1,2,3,4,5]|batch(2)|list }} {{ [1,2,3]|batch(2, 'x')|list }} [{{ d|attr('a') }}] {{ d|attr('get') is callable }}",
                "{\"d\": {\"a\": 1, \"items\": 9}}",
                "3   ab   1-2 [[1, 2], [3, 4], [5]] [[1, 2], [3, 'x']] [] True");
    }

    /** tojson is transformers' json.dumps: no HTML escaping, ensure_ascii off, Python separators. */
    @Test
    void tojson() {
        check("{{ x|tojson }}",
                "{\"x\": {\"b\": [1, 2.5, null, true, \"é\\n\\\"</x>\"], \"a\": {}, \"c\": [], \"é\": \"ü\"}}",
                "{\"b\": [1, 2.5, null, true, \"é\\n\\\"</x>\"], \"a\": {}, \"c\": [], \"é\": \"ü\"}");
        check("{{ x|tojson(indent=2) }}",
                "{\"x\": {\"b\": [1, 2.5, null, true, \"é\\n\\\"</x>\"], \"a\": {}, \"c\": [], \"é\": \"ü\"}}",
                "{\n  \"b\": [\n    1,\n    2.5,\n    null,\n    true,\n    \"é\\n\\\"</x>\"\n  ],\n  \"a\": {},\n  \"c\": [],\n  \"é\": \"ü\"\n}");
        check("{{ x|tojson(indent=4, sort_keys=true) }}",
                "{\"x\": {\"b\": [1, 2.5, null, true, \"é\\n\\\"</x>\"], \"a\": {}, \"c\": [], \"é\": \"ü\"}}",
                "{\n    \"a\": {},\n    \"b\": [\n        1,\n        2.5,\n        null,\n        true,\n        \"é\\n\\\"</x>\"\n    ],\n    \"c\": [],\n    \"é\": \"ü\"\n}");
        check("{{ x|tojson(ensure_ascii=true) }}",
                "{\"x\": {\"b\": [1, 2.5, null, true, \"é\\n\\\"</x>\"], \"a\": {}, \"c\": [], \"é\": \"ü\"}}",
                "{\"b\": [1, 2.5, null, true, \"\\u00e9\\n\\\"</x>\"], \"a\": {}, \"c\": [], \"\\u00e9\": \"\\u00fc\"}");
        check("{{ x|tojson(separators=(',', ':')) }}",
                "{\"x\": {\"b\": [1, 2.5, null, true, \"é\\n\\\"</x>\"], \"a\": {}, \"c\": [], \"é\": \"ü\"}}",
                "{\"b\":[1,2.5,null,true,\"é\\n\\\"</x>\"],\"a\":{},\"c\":[],\"é\":\"ü\"}");
        check("{{ 'é\\u2028\\x00<>&\\''|tojson }} {{ [1.0, 1e20, -0.0, 12345678901234567890]|tojson }} {{ none|tojson }} {{ (1,2)|tojson }} {{ {1: 2, none: true}|tojson }}",
                "\"é\u2028\\u0000<>&'\" [1.0, 1e+20, -0.0, 12345678901234567890] null [1, 2] {\"1\": 2, \"null\": true}");
    }

    /** is-tests. */
    @Test
    void tests() {
        check("{{ x is defined }} {{ nope is defined }} {{ nope is undefined }} {{ none is none }} {{ 1 is not none }} {{ 'a' is string }} {{ 1 is string }} {{ 1 is number }} {{ 1.5 is number }} {{ true is number }} {{ true is boolean }} {{ 1 is boolean }}",
                "{\"x\": {\"b\": [1, 2.5, null, true, \"é\\n\\\"</x>\"], \"a\": {}, \"c\": [], \"é\": \"ü\"}}",
                "True False True True True True False True True True True False");
        check("{{ 1 is integer }} {{ true is integer }} {{ 1.0 is float }} {{ {} is mapping }} {{ [] is mapping }} {{ [] is iterable }} {{ 'a' is iterable }} {{ 1 is iterable }} {{ nope is iterable }} {{ [] is sequence }} {{ {} is sequence }} {{ 1 is sequence }}",
                "True False True True False True True False True True True False");
        check("{{ true is true }} {{ 1 is true }} {{ false is false }} {{ 0 is false }} {{ 4 is even }} {{ 3 is odd }} {{ 9 is divisibleby 3 }} {{ 9 is divisibleby(4) }} {{ 1 is eq 1 }} {{ 'a' is equalto 'a' }} {{ 2 is gt 1 }} {{ 1 is in [1] }} {{ 'ab' is lower }} {{ 'AB' is upper }}",
                "True False True False True True True False True True True True True True");
        check("{{ range is callable }} {{ 'x' is callable }} {{ none is sameas none }} {{ true is sameas true }} {{ 'upper' is filter }} {{ 'nope' is filter }} {{ 'odd' is test }} {{ d.items is callable }}",
                "{\"d\": {\"a\": 1, \"items\": 9}}",
                "True False True True True False True True");
        check("{{ x is not defined and 1 }} {{ not x is defined }} {{ x.a is defined }} {{ d.zz is defined }}",
                "{\"x\": {\"b\": [1, 2.5, null, true, \"é\\n\\\"</x>\"], \"a\": {}, \"c\": [], \"é\": \"ü\"}, \"d\": {\"a\": 1, \"items\": 9}}",
                "False False True False");
    }

    /** map/select/reject/selectattr/unique/batch/items/reverse return one-shot iterators: always truthy, no len, single pass. */
    @Test
    void generatorFilters() {
        check("{% if msgs|selectattr('role', 'equalto', 'tool') %}always-true{% endif %}",
                "{\"l\": [3, 1, 2], \"msgs\": [{\"role\": \"system\", \"content\": \"s\"}, {\"role\": \"user\", \"content\": \"u\"}], \"none\": null}",
                "always-true");
        check("{% set g = l|map('string') %}{{ g|first }}{{ g|list }}{{ g|list }}",
                "{\"l\": [3, 1, 2], \"msgs\": [{\"role\": \"system\", \"content\": \"s\"}, {\"role\": \"user\", \"content\": \"u\"}], \"none\": null}",
                "3['1', '2'][]");
        check("{% set g = l|select %}{% for x in g %}{{ x }}{% endfor %}|{% for x in g %}{{ x }}{% endfor %}|{{ 3 in g }}",
                "{\"l\": [3, 1, 2], \"msgs\": [{\"role\": \"system\", \"content\": \"s\"}, {\"role\": \"user\", \"content\": \"u\"}], \"none\": null}",
                "312||False");
        check("{% set g = l|select %}{{ 1 in g }}{{ g|list }}",
                "{\"l\": [3, 1, 2], \"msgs\": [{\"role\": \"system\", \"content\": \"s\"}, {\"role\": \"user\", \"content\": \"u\"}], \"none\": null}",
                "True[2]");
        check("{{ l|reverse|list }}{% for x in l|reverse %}{{ x }}{% endfor %}{{ msgs|selectattr('role','equalto','user')|list|length }}",
                "{\"l\": [3, 1, 2], \"msgs\": [{\"role\": \"system\", \"content\": \"s\"}, {\"role\": \"user\", \"content\": \"u\"}], \"none\": null}",
                "[2, 1, 3]2131");
        check("{{ none|map('upper')|list }}{{ none|selectattr('x')|list }}{{ 0|select|list }}",
                "{\"l\": [3, 1, 2], \"msgs\": [{\"role\": \"system\", \"content\": \"s\"}, {\"role\": \"user\", \"content\": \"u\"}], \"none\": null}",
                "[][][]");
        check("{{ l|select|join(',') }} {{ l|map('string')|sort }} {{ l|unique|sum }}",
                "{\"l\": [3, 1, 2], \"msgs\": [{\"role\": \"system\", \"content\": \"s\"}, {\"role\": \"user\", \"content\": \"u\"}], \"none\": null}",
                "3,1,2 ['1', '2', '3'] 6");
        check("{{ (l|select)[0] }}|{{ (l|select) is iterable }}{{ (l|select) is sequence }}",
                "{\"l\": [3, 1, 2], \"msgs\": [{\"role\": \"system\", \"content\": \"s\"}, {\"role\": \"user\", \"content\": \"u\"}], \"none\": null}",
                "|TrueFalse");
        check("{{ {}.items() == [] }} {{ range(2) == [0, 1] }} {{ (1, 2) == [1, 2] }} {{ {'a': 1}.keys()|list == ['a'] }}",
                "{\"l\": [3, 1, 2], \"msgs\": [{\"role\": \"system\", \"content\": \"s\"}, {\"role\": \"user\", \"content\": \"u\"}], \"none\": null}",
                "False False False True");
        check("{{ '%s' % u }}|{{ 'abc' % u }}",
                "{\"l\": [3, 1, 2], \"msgs\": [{\"role\": \"system\", \"content\": \"s\"}, {\"role\": \"user\", \"content\": \"u\"}], \"none\": null}",
                "|abc");
        check("{{ 'x' * 3 }}{{ [1] * 2 }}{{ (1,) * 2 }}",
                "{\"l\": [3, 1, 2], \"msgs\": [{\"role\": \"system\", \"content\": \"s\"}, {\"role\": \"user\", \"content\": \"u\"}], \"none\": null}",
                "xxx[1, 1](1, 1)");
    }
}
