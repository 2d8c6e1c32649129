package ai.baton.engine.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Llama 3: the fixture's base template, and a tools-capable template in the Llama 3.1 style
 * (written for this test). Expected strings come from Python Jinja2 configured as transformers.
 */
class LlamaTemplateTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ChatTemplate BASE = ChatTemplate.fromTokenizerDir(
            Path.of(System.getProperty("baton.fixtures", "../../shared/fixtures"), "tokenizers", "llama3")).orElseThrow();
    static final String TOOLS_SOURCE = "{{- bos_token }}\n{%- if not date_string is defined %}\n    {%- set date_string = strftime_now(\"%d %b %Y\") %}\n{%- endif %}\n{%- if not tools is defined %}\n    {%- set tools = none %}\n{%- endif %}\n{#- Pull the system message out so it can go into the header. #}\n{%- if messages[0]['role'] == 'system' %}\n    {%- set system_message = messages[0]['content']|trim %}\n    {%- set messages = messages[1:] %}\n{%- else %}\n    {%- set system_message = \"\" %}\n{%- endif %}\n{{- \"<|start_header_id|>system<|end_header_id|>\\n\\n\" }}\n{%- if tools is not none %}\n    {{- \"Environment: ipython\\n\" }}\n{%- endif %}\n{{- \"Today Date: \" + date_string + \"\\n\\n\" }}\n{{- system_message }}\n{{- \"<|eot_id|>\" }}\n{%- if tools is not none %}\n    {%- if messages | length == 0 %}\n        {{- raise_exception(\"tools need a first user message\") }}\n    {%- endif %}\n    {%- set first_user_message = messages[0]['content']|trim %}\n    {%- set messages = messages[1:] %}\n    {{- '<|start_header_id|>user<|end_header_id|>\\n\\n' -}}\n    {{- \"Call a function by answering with JSON.\\n\\n\" }}\n    {%- for t in tools %}\n        {{- t | tojson(indent=4) }}\n        {{- \"\\n\\n\" }}\n    {%- endfor %}\n    {{- first_user_message + \"<|eot_id|>\" }}\n{%- endif %}\n{%- for message in messages %}\n    {%- if not (message.role == 'ipython' or message.role == 'tool' or 'tool_calls' in message) %}\n        {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>' }}\n    {%- elif 'tool_calls' in message %}\n        {%- if not message.tool_calls|length == 1 %}\n            {{- raise_exception(\"one tool call at a time\") }}\n        {%- endif %}\n        {%- set tool_call = message.tool_calls[0].function %}\n        {{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' -}}\n        {{- '{\"name\": \"' + tool_call.name + '\", \"parameters\": ' }}\n        {{- tool_call.arguments | tojson }}\n        {{- \"}<|eot_id|>\" }}\n    {%- else %}\n        {{- \"<|start_header_id|>ipython<|end_header_id|>\\n\\n\" }}\n        {%- if message.content is mapping or message.content is iterable %}\n            {{- message.content | tojson }}\n        {%- else %}\n            {{- message.content }}\n        {%- endif %}\n        {{- \"<|eot_id|>\" }}\n    {%- endif %}\n{%- endfor %}\n{%- if add_generation_prompt %}\n    {{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}\n{%- endif %}\n";
    private static final ChatTemplate TOOLS = ChatTemplate.compile(TOOLS_SOURCE)
            .withVariables(Map.of("bos_token", "<|begin_of_text|>", "eos_token", "<|end_of_text|>"));

    static void check(ChatTemplate template, String messagesJson, String kwargsJson, boolean addGenerationPrompt, String expected) {
        try {
            List<Map<String, Object>> messages = JSON.readValue(messagesJson, new TypeReference<>() {});
            Map<String, Object> kwargs = JSON.readValue(kwargsJson, new TypeReference<>() {});
            assertEquals(expected, template.render(messages, addGenerationPrompt, kwargs));
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void strftimeNowGivesTodaysDate() {
        String today = LocalDate.now().format(DateTimeFormatter.ofPattern("dd MMM yyyy", Locale.ENGLISH));
        String out = TOOLS.render(List.of(Map.of("role", "user", "content", "hi")), true, Map.of());
        // Rendering may straddle midnight; accept today's or yesterday's date rather than flake.
        String yesterday = LocalDate.now().minusDays(1).format(DateTimeFormatter.ofPattern("dd MMM yyyy", Locale.ENGLISH));
        assertTrue(out.contains("Today Date: " + today + "\n") || out.contains("Today Date: " + yesterday + "\n"), out);
        assertEquals("2024-07-26 05 Fri July 07/26/24 %", Strftime.format(
                java.time.ZonedDateTime.of(2024, 7, 26, 5, 0, 0, 0, java.time.ZoneOffset.UTC), "%Y-%m-%d %H %a %B %D %%"));
        assertEquals("6 7 24 05", Strftime.format(
                java.time.ZonedDateTime.of(2024, 7, 6, 5, 0, 0, 0, java.time.ZoneOffset.UTC), "%-d %-m %y %I"));
    }

    /** The fixture (base Llama 3) template: system turn first, content trimmed. */
    @Test
    void baseTemplateWithSystemMessage() {
        check(BASE,
                "[{\"role\": \"system\", \"content\": \"  You are a pirate.\\n\"}, {\"role\": \"user\", \"content\": \"Hello?  \"}]",
                "{}",
                true,
                "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are a pirate.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHello?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n");
    }

    /** That template has no add_generation_prompt switch. */
    @Test
    void baseTemplateAlwaysEndsWithAssistantHeader() {
        check(BASE,
                "[{\"role\": \"user\", \"content\": \"x\"}, {\"role\": \"assistant\", \"content\": \"y\"}]",
                "{}",
                false,
                "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nx<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\ny<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n");
    }

    /** Our Llama-3.1-style template, no tools: a dated system header. */
    @Test
    void toolsTemplateWithoutTools() {
        check(TOOLS,
                "[{\"role\": \"system\", \"content\": \"Be brief.\"}, {\"role\": \"user\", \"content\": \"Hi\"}]",
                "{\"date_string\": \"26 Jul 2024\"}",
                true,
                "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nToday Date: 26 Jul 2024\n\nBe brief.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n");
    }

    /** Tools as indented JSON in the first user turn, a tool call, and an ipython result. */
    @Test
    void toolsTemplateWithTools() {
        check(TOOLS,
                "[{\"role\": \"system\", \"content\": \"Use tools.\"}, {\"role\": \"user\", \"content\": \"  Weather in Paris?  \"}, {\"role\": \"assistant\", \"tool_calls\": [{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}}]}, {\"role\": \"tool\", \"content\": {\"temp\": 20, \"unit\": \"C\"}}, {\"role\": \"tool\", \"content\": \"plain text\"}]",
                "{\"date_string\": \"26 Jul 2024\", \"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"description\": \"Weather for a city\", \"parameters\": {\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\"}}, \"required\": [\"city\"]}}}]}",
                true,
                "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nEnvironment: ipython\nToday Date: 26 Jul 2024\n\nUse tools.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nCall a function by answering with JSON.\n\n{\n    \"type\": \"function\",\n    \"function\": {\n        \"name\": \"get_weather\",\n        \"description\": \"Weather for a city\",\n        \"parameters\": {\n            \"type\": \"object\",\n            \"properties\": {\n                \"city\": {\n                    \"type\": \"string\"\n                }\n            },\n            \"required\": [\n                \"city\"\n            ]\n        }\n    }\n}\n\nWeather in Paris?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}<|eot_id|><|start_header_id|>ipython<|end_header_id|>\n\n{\"temp\": 20, \"unit\": \"C\"}<|eot_id|><|start_header_id|>ipython<|end_header_id|>\n\n\"plain text\"<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n");
    }
}
