/**
 * Hugging Face chat templates rendered as transformers renders them.
 *
 * <p>{@link ai.baton.engine.template.ChatTemplate} is the entry point. Underneath is a small
 * Jinja2 interpreter with Python value semantics: {@code Lexer} (text/tag splitting with
 * trim_blocks, lstrip_blocks and "-"/"+" whitespace control) → {@code Parser} (Jinja's grammar
 * and precedence) → {@code Expr}/{@code Node} AST → {@code Interpreter}. Python behaviour lives
 * in {@code PyOps} (operators, truthiness, equality), {@code PyAccess} (attribute/item access,
 * slices), {@code PyMethods} (str/dict/list methods), {@code PyRepr} (str()/repr(), float repr),
 * {@code PyJson} (json.dumps for tojson), {@code PyFormat} (% and str.format), {@code PyStr}
 * (code-point string helpers); Jinja's library is in {@code Filters}, {@code JinjaTests} and
 * {@code Globals}.
 *
 * <p>The reference is Jinja2 3.1 in transformers' configuration: ImmutableSandboxedEnvironment,
 * trim_blocks, lstrip_blocks, loopcontrols, the {@code generation} tag, transformers' tojson,
 * raise_exception and strftime_now. Deliberate differences: attribute or item access on an
 * Undefined value yields Undefined instead of failing (only using it fails), and one-shot
 * iterators (map/select/...) compute their items on first use rather than lazily per item.
 */
package ai.baton.engine.template;
