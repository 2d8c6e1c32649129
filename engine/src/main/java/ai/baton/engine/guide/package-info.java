/**
 * Structured outputs (guided decoding): a grammar the output must follow, and at each decoding step the
 * mask of vocabulary tokens that keep the output inside it.
 *
 * <p>Use: {@link ai.baton.engine.guide.Guide#compile} a {@link ai.baton.engine.guide.GuideSpec} (any JSON
 * object, a JSON schema, a list of choices, or a regular expression; a bad spec throws
 * {@link ai.baton.engine.guide.GuideException} with a message fit for an HTTP 400), build one {@link ai.baton.engine.guide.GuideVocabulary} per tokenizer,
 * then per sequence {@link ai.baton.engine.guide.Guide#start} a {@link ai.baton.engine.guide.GuideState} and
 * alternate {@code allowedTokens} (the mask) and {@code accept} (the sampled token).
 *
 * <p>How it works. Everything runs on UTF-8 bytes, since tokens may split a character. The grammar is a
 * pushdown automaton ({@link ai.baton.engine.guide.ByteAutomaton}) whose state is a small set of persistent
 * parse stacks ({@link ai.baton.engine.guide.ParseStack} of {@link ai.baton.engine.guide.Frame}s); several
 * stacks exist only while a union (anyOf, a type array) or an optional property leaves more than one reading
 * open. Stacks share tails, so copying a state or branching on a byte costs one small object. The mask is one
 * depth-first walk over a byte trie of the vocabulary: each edge byte is fed once for every token sharing
 * that prefix; inside a plain string the walk runs on two ints without allocating, and a subtree whose every
 * byte is string content (per-node flags over the 8 UTF-8 validator states, plus its depth for maxLength) is
 * accepted whole. A token is allowed only if all its bytes are; one that ends a value partway and goes on
 * with bytes the grammar refuses (e.g. <code>}\n</code> closing the top-level object) is not.
 *
 * <p>Regular expressions (a REGEX guide's whole output, a schema string's {@code pattern} or {@code format}) are
 * parsed ({@link ai.baton.engine.guide.RegexParser}), built into a Thompson NFA over UTF-8 bytes
 * ({@link ai.baton.engine.guide.ByteNfa}: every character class becomes the byte-range sequences of its
 * encodings, so only valid UTF-8 can be produced), determinized, pruned of states that cannot reach a match
 * (so the mask never leads into a dead end) and minimized ({@link ai.baton.engine.guide.DfaTable}), into a
 * {@link ai.baton.engine.guide.ByteDfa}; at most {@value ai.baton.engine.guide.ByteNfa#MAX_DFA_STATES} states,
 * else "regex too complex". In the automaton a match is one frame holding the DFA state (and, for maxLength, a
 * character count), so copying and branching stay as cheap as for the JSON frames; the mask walk does one table
 * lookup per trie edge without allocating, and takes a subtree whole from a "wide" DFA state (free text such as
 * {@code .*} or {@code [^<>]{0,200}}) when no byte below is one the state excludes and no path is longer than
 * the state surely reads (per-node sets of the ASCII bytes below).
 *
 * <p>End of output. {@code canEnd()} means EOS is allowed now (a complete value, maybe one that could still
 * go on, like the number {@code 12} or the choice "a" when "ab" is also a choice); {@code isComplete()} means
 * nothing but EOS may follow. EOS is never allowed before {@code canEnd()}. Special and added tokens other
 * than the EOS ids are never allowed, nor are ids without bytes (a model vocabulary larger than the
 * tokenizer's).
 *
 * <p>JSON rules.
 * <ul>
 *   <li>Whitespace: a run of at most {@value ai.baton.engine.guide.ByteAutomaton#MAX_WHITESPACE} JSON
 *       whitespace bytes (space, tab, CR, LF) between structural tokens inside objects and arrays (small
 *       models otherwise emit newlines forever); none before the top-level value, none after it (so that
 *       EOS is the only choice once it is complete), none inside numbers and literals.</li>
 *   <li>Nesting: at most {@value ai.baton.engine.guide.ByteAutomaton#MAX_DEPTH} objects and arrays deep,
 *       for any JSON value and for recursive schemas alike.</li>
 *   <li>Numbers: {@code -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?}, at most 15 integer digits, 15
 *       fraction digits and 3 exponent digits; integers have no fraction or exponent.</li>
 *   <li>Strings: any valid UTF-8 except control characters below 0x20, and the escapes
 *       {@code \" \\ \/ \b \f \n \r \t \}{@code uXXXX}; lengths count code points, an escape as one.</li>
 *   <li>enum and const values must appear in their compact JSON form (Jackson's serialization).</li>
 *   <li>Strings with a {@code pattern} or {@code format}: the decoded content must fully match (JSON Schema's
 *       pattern is a search, but like xgrammar and vLLM the guide anchors it; with both, both must match). Each
 *       character has one spelling: {@code "} and {@code \} as {@code \"} and {@code \\}, every other
 *       character as its raw UTF-8 (no {@code \/} or {@code \}{@code uXXXX}); control characters (below
 *       U+0020) are never generated there, even where the pattern allows them (so {@code \s} is a space only),
 *       and a pattern that only matches strings with one is refused. minLength and maxLength combine with them
 *       (counted in code points; minLength is built into the DFA, maxLength checked against each state's
 *       shortest completion); a combination with no string, or too many states, is refused.</li>
 * </ul>
 *
 * <p>JSON schema subset ({@link ai.baton.engine.guide.SchemaCompiler}).
 * <ul>
 *   <li>Supported: {@code type} (one or an array of object, array, string, number, integer, boolean,
 *       null; when absent it is inferred from the type-specific keywords present, else any value),
 *       {@code properties}, {@code required}, {@code additionalProperties}, {@code items},
 *       {@code prefixItems} (and draft-4 array-form {@code items}), {@code minItems}, {@code maxItems},
 *       {@code minLength}, {@code maxLength}, {@code pattern}, {@code format} on strings (date, time, date-time,
 *       uuid, ipv4, ipv6, hostname, email: {@link ai.baton.engine.guide.StringFormats}; other formats, and
 *       format on other types, are ignored; format does not make an untyped schema a string), {@code enum},
 *       {@code const}, {@code anyOf}, {@code oneOf}
 *       (treated as anyOf), {@code allOf} with one member, local {@code $ref} ({@code #}, {@code #/$defs/...},
 *       {@code #/definitions/...} or any local JSON pointer; recursion works through the stack), the empty
 *       schema {@code {}} and {@code true} (any value).</li>
 *   <li>Objects: listed properties are emitted in schema order, optional ones may be skipped, required ones
 *       must appear; no other property is generated even when {@code additionalProperties} is absent or
 *       true (xgrammar's strict default). A required name missing from {@code properties} is added, with any
 *       value, after the listed ones. An object with no listed properties is any object, whose values follow
 *       {@code additionalProperties} when it is a schema; with {@code additionalProperties: false} only
 *       <code>{}</code>.</li>
 *   <li>Ignored (no effect on the output): {@code $schema}, {@code $id}, {@code $comment}, {@code $defs} and
 *       {@code definitions} (except as $ref targets), {@code title}, {@code description}, {@code default},
 *       {@code examples}, unknown {@code format}s, {@code minimum}, {@code maximum}, {@code exclusiveMinimum},
 *       {@code exclusiveMaximum}, {@code deprecated}, {@code readOnly}, {@code writeOnly}.</li>
 *   <li>Rejected with a {@link ai.baton.engine.guide.GuideException} naming the keyword and its JSON pointer:
 *       every other keyword ({@code patternProperties}, {@code not}, {@code if},
 *       {@code multipleOf}, {@code uniqueItems}, ...); anyOf/oneOf/allOf/$ref next to other structural
 *       keywords; allOf with several members; remote refs; refs that reach themselves without content in
 *       between; unsatisfiable bounds; the schema {@code false}; a pattern outside the regex subset below, or
 *       one that (with minLength, maxLength or format) no JSON string can match.</li>
 * </ul>
 * A recursive schema that requires ever deeper nesting can dead-end at the depth limit; such schemas admit
 * no finite value anyway.
 *
 * <p>Choices: the output is exactly one of the strings, byte for byte (no JSON quoting).
 *
 * <p>Regular expressions ({@link ai.baton.engine.guide.RegexParser}, Python {@code re} syntax): the whole
 * output (REGEX: raw UTF-8, any code point) must fully match, as in vLLM; {@code canEnd()} once it matches,
 * {@code isComplete()} when it matches and no byte can follow.
 * <ul>
 *   <li>Supported: literals; escapes {@code \. \\ \* ...} (any escaped symbol is itself), {@code \n \t \r
 *       \f \v \a \e \0}, {@code \xhh}, {@code \x{h...}}, {@code \}{@code uXXXX} (a JSON-style surrogate pair
 *       is one character), {@code \}{@code u{h...}}, {@code \UXXXXXXXX}; {@code .} (any code point but
 *       {@code \n}); classes {@code [...]} and {@code [^...]} with ranges and escapes ({@code [\b]} is
 *       backspace, a leading {@code ]} and a leading or trailing {@code -} are literal); the shorthands
 *       {@code \d \w \s \D \W \S}, in and out of classes, with ASCII meaning as Python's {@code re.ASCII}
 *       (and Java's default): {@code [0-9]}, {@code [A-Za-z0-9_]}, {@code [ \t\n\x0B\f\r]}, their negations
 *       being every other code point; groups {@code (...)}, {@code (?:...)}, named groups {@code (?P<n>...)}
 *       and {@code (?<n>...)} (all plain groups); {@code |}; the quantifiers {@code * + ? {n} {n,} {n,m}
 *       {,m}} with counts up to {@value ai.baton.engine.guide.RegexParser#MAX_REPEAT}, a lazy {@code ?} after
 *       them accepted and ignored (it does not change what matches); an opening brace that starts no quantifier is
 *       literal, as in Python; {@code ^} and {@code $} at the start and end of the pattern or of a top-level
 *       alternative, where they change nothing.</li>
 *   <li>Refused with the construct and its offset (the index of its first character, from 0): backreferences
 *       ({@code \1}, {@code \k<n>}, {@code (?P=n)}), lookahead and lookbehind, inline flags, atomic groups,
 *       comments, conditionals, possessive quantifiers, {@code \b \B \A \Z \z \G}, {@code \p} classes,
 *       octal escapes, POSIX classes, anchors anywhere else, counts above the limit, lone surrogates, and
 *       malformed patterns; a pattern that matches nothing; "regex too complex" beyond the state limit.</li>
 * </ul>
 */
package ai.baton.engine.guide;
