package ai.baton.engine.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The real Qwen3 chat template (from the fixtures) on conversations beyond the HF-made fixture
 * cases. Expected strings come from Python Jinja2 3.1 configured as transformers configures it.
 */
class Qwen3TemplateTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ChatTemplate QWEN3 = ChatTemplate.fromTokenizerDir(
            Path.of(System.getProperty("baton.fixtures", "../../shared/fixtures"), "tokenizers", "qwen3")).orElseThrow();

    static void check(String messagesJson, String kwargsJson, boolean addGenerationPrompt, String expected) {
        try {
            List<Map<String, Object>> messages = JSON.readValue(messagesJson, new TypeReference<>() {});
            Map<String, Object> kwargs = JSON.readValue(kwargsJson, new TypeReference<>() {});
            assertEquals(expected, QWEN3.render(messages, addGenerationPrompt, kwargs));
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void specialTokensComeFromTheConfig() {
        assertEquals("<|im_end|>", QWEN3.variables().get("eos_token"));
        assertTrue(!QWEN3.variables().containsKey("bos_token"), "Qwen3 has bos_token null: it stays undefined");
    }

    /** A leading system message becomes the first turn; enable_thinking=false appends an empty think block. */
    @Test
    void systemAtStartAndThinkingDisabled() {
        check("[{\"role\": \"system\", \"content\": \"You are terse.\"}, {\"role\": \"user\", \"content\": \"Hi\"}]",
                "{\"enable_thinking\": false}",
                true,
                "<|im_start|>system\nYou are terse.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n");
    }

    /** Without enable_thinking the generation prompt leaves thinking open. */
    @Test
    void thinkingEnabledByDefault() {
        check("[{\"role\": \"user\", \"content\": \"Hi\"}]",
                "{}",
                true,
                "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
    }

    /** enable_thinking=true is not 'false', so no empty think block. */
    @Test
    void thinkingExplicitlyEnabled() {
        check("[{\"role\": \"user\", \"content\": \"Hi\"}]",
                "{\"enable_thinking\": true}",
                true,
                "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
    }

    /** tools render one tojson line each inside <tools>, merged with the system prompt. */
    @Test
    void toolsListedAsJson() {
        check("[{\"role\": \"system\", \"content\": \"Be helpful.\"}, {\"role\": \"user\", \"content\": \"Weather in Paris?\"}]",
                "{\"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"description\": \"Get the weather for a city «é» \\\"quoted\\\"\", \"parameters\": {\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\", \"description\": \"City name\"}, \"days\": {\"type\": \"integer\", \"minimum\": 1, \"maximum\": 7.5}}, \"required\": [\"city\"]}}}, {\"type\": \"function\", \"function\": {\"name\": \"noop\", \"description\": \"\", \"parameters\": {\"type\": \"object\", \"properties\": {}}}}]}",
                true,
                "<|im_start|>system\nBe helpful.\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\nYou are provided with function signatures within <tools></tools> XML tags:\n<tools>\n{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"description\": \"Get the weather for a city «é» \\\"quoted\\\"\", \"parameters\": {\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\", \"description\": \"City name\"}, \"days\": {\"type\": \"integer\", \"minimum\": 1, \"maximum\": 7.5}}, \"required\": [\"city\"]}}}\n{\"type\": \"function\", \"function\": {\"name\": \"noop\", \"description\": \"\", \"parameters\": {\"type\": \"object\", \"properties\": {}}}}\n</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n<|im_start|>user\nWeather in Paris?<|im_end|>\n<|im_start|>assistant\n");
    }

    /** tools without a system message. */
    @Test
    void toolsWithoutSystem() {
        check("[{\"role\": \"user\", \"content\": \"Weather?\"}]",
                "{\"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"description\": \"Get the weather for a city «é» \\\"quoted\\\"\", \"parameters\": {\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\", \"description\": \"City name\"}, \"days\": {\"type\": \"integer\", \"minimum\": 1, \"maximum\": 7.5}}, \"required\": [\"city\"]}}}, {\"type\": \"function\", \"function\": {\"name\": \"noop\", \"description\": \"\", \"parameters\": {\"type\": \"object\", \"properties\": {}}}}], \"enable_thinking\": false}",
                true,
                "<|im_start|>system\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\nYou are provided with function signatures within <tools></tools> XML tags:\n<tools>\n{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"description\": \"Get the weather for a city «é» \\\"quoted\\\"\", \"parameters\": {\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\", \"description\": \"City name\"}, \"days\": {\"type\": \"integer\", \"minimum\": 1, \"maximum\": 7.5}}, \"required\": [\"city\"]}}}\n{\"type\": \"function\", \"function\": {\"name\": \"noop\", \"description\": \"\", \"parameters\": {\"type\": \"object\", \"properties\": {}}}}\n</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n<|im_start|>user\nWeather?<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n");
    }

    /** assistant tool_calls (dict and JSON-string arguments), consecutive tool messages grouped in one user turn. */
    @Test
    void toolCallsAndResponses() {
        check("[{\"role\": \"user\", \"content\": \"Weather in Paris and Rome?\"}, {\"role\": \"assistant\", \"content\": \"\", \"tool_calls\": [{\"id\": \"c1\", \"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\", \"days\": 2}}}, {\"id\": \"c2\", \"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"arguments\": \"{\\\"city\\\": \\\"Rome\\\"}\"}}]}, {\"role\": \"tool\", \"tool_call_id\": \"c1\", \"content\": \"{\\\"temp\\\": 20}\"}, {\"role\": \"tool\", \"tool_call_id\": \"c2\", \"content\": \"sunny\"}, {\"role\": \"assistant\", \"content\": \"<think>\\nBoth answered.\\n</think>\\n\\nParis 20C, Rome sunny.\"}]",
                "{\"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"description\": \"Get the weather for a city «é» \\\"quoted\\\"\", \"parameters\": {\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\", \"description\": \"City name\"}, \"days\": {\"type\": \"integer\", \"minimum\": 1, \"maximum\": 7.5}}, \"required\": [\"city\"]}}}, {\"type\": \"function\", \"function\": {\"name\": \"noop\", \"description\": \"\", \"parameters\": {\"type\": \"object\", \"properties\": {}}}}]}",
                false,
                "<|im_start|>system\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\nYou are provided with function signatures within <tools></tools> XML tags:\n<tools>\n{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"description\": \"Get the weather for a city «é» \\\"quoted\\\"\", \"parameters\": {\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\", \"description\": \"City name\"}, \"days\": {\"type\": \"integer\", \"minimum\": 1, \"maximum\": 7.5}}, \"required\": [\"city\"]}}}\n{\"type\": \"function\", \"function\": {\"name\": \"noop\", \"description\": \"\", \"parameters\": {\"type\": \"object\", \"properties\": {}}}}\n</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n<|im_start|>user\nWeather in Paris and Rome?<|im_end|>\n<|im_start|>assistant\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\", \"days\": 2}}\n</tool_call>\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Rome\"}}\n</tool_call><|im_end|>\n<|im_start|>user\n<tool_response>\n{\"temp\": 20}\n</tool_response>\n<tool_response>\nsunny\n</tool_response><|im_end|>\n<|im_start|>assistant\n<think>\nBoth answered.\n</think>\n\nParis 20C, Rome sunny.<|im_end|>\n");
    }

    /** A tool call following assistant text is separated by a newline. */
    @Test
    void toolCallAfterText() {
        check("[{\"role\": \"user\", \"content\": \"Check it\"}, {\"role\": \"assistant\", \"content\": \"Let me check.\", \"tool_calls\": [{\"name\": \"noop\", \"arguments\": {}}]}, {\"role\": \"tool\", \"content\": \"done\"}]",
                "{}",
                true,
                "<|im_start|>user\nCheck it<|im_end|>\n<|im_start|>assistant\nLet me check.\n<tool_call>\n{\"name\": \"noop\", \"arguments\": {}}\n</tool_call><|im_end|>\n<|im_start|>user\n<tool_response>\ndone\n</tool_response><|im_end|>\n<|im_start|>assistant\n");
    }

    /** Reasoning in assistant turns before the last user query is stripped from content. */
    @Test
    void historicalThinkingIsDropped() {
        check("[{\"role\": \"user\", \"content\": \"q1\"}, {\"role\": \"assistant\", \"content\": \"<think>\\nreason one\\n</think>\\n\\nanswer one\"}, {\"role\": \"user\", \"content\": \"q2\"}]",
                "{\"enable_thinking\": false}",
                true,
                "<|im_start|>user\nq1<|im_end|>\n<|im_start|>assistant\nanswer one<|im_end|>\n<|im_start|>user\nq2<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n");
    }

    /** A user turn that is only a tool_response does not count as the last query; later assistant turns keep their reasoning. */
    @Test
    void lastQueryIndexSkipsToolResponses() {
        check("[{\"role\": \"user\", \"content\": \"q1\"}, {\"role\": \"assistant\", \"content\": \"<think>r1</think>a1\"}, {\"role\": \"user\", \"content\": \"<tool_response>x</tool_response>\"}, {\"role\": \"assistant\", \"content\": \"<think>\\nr2\\n</think>\\n\\na2\"}]",
                "{}",
                false,
                "<|im_start|>user\nq1<|im_end|>\n<|im_start|>assistant\n<think>\nr1\n</think>\n\na1<|im_end|>\n<|im_start|>user\n<tool_response>x</tool_response><|im_end|>\n<|im_start|>assistant\n<think>\nr2\n</think>\n\na2<|im_end|>\n");
    }

    /** reasoning_content wins over parsing <think> from the content. */
    @Test
    void reasoningContentField() {
        check("[{\"role\": \"user\", \"content\": \"q\"}, {\"role\": \"assistant\", \"content\": \"final\", \"reasoning_content\": \"\\nbecause\\n\"}]",
                "{}",
                false,
                "<|im_start|>user\nq<|im_end|>\n<|im_start|>assistant\n<think>\nbecause\n</think>\n\nfinal<|im_end|>\n");
    }

    /** reasoning_content=None is treated as absent. */
    @Test
    void noneReasoningContentFallsBackToParsing() {
        check("[{\"role\": \"user\", \"content\": \"q\"}, {\"role\": \"assistant\", \"content\": \"<think>x</think>y\", \"reasoning_content\": null}]",
                "{}",
                false,
                "<|im_start|>user\nq<|im_end|>\n<|im_start|>assistant\n<think>\nx\n</think>\n\ny<|im_end|>\n");
    }

    /** A system message that is not first renders as its own turn. */
    @Test
    void midConversationSystem() {
        check("[{\"role\": \"user\", \"content\": \"a\"}, {\"role\": \"system\", \"content\": \"s2\"}, {\"role\": \"user\", \"content\": \"b\"}]",
                "{\"enable_thinking\": false}",
                true,
                "<|im_start|>user\na<|im_end|>\n<|im_start|>system\ns2<|im_end|>\n<|im_start|>user\nb<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n");
    }

    /** Content passes through untouched. */
    @Test
    void unicodeAndQuotes() {
        check("[{\"role\": \"user\", \"content\": \"Ünïcödé 😀 \\\"quotes\\\" 'single' \\\\ back\\nslash\\ttab\"}]",
                "{\"enable_thinking\": false}",
                true,
                "<|im_start|>user\nÜnïcödé 😀 \"quotes\" 'single' \\ back\nslash\ttab<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n");
    }
}
