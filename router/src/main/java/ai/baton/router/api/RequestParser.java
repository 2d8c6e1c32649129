package ai.baton.router.api;

import ai.baton.engine.template.ChatTemplate;
import ai.baton.proto.Sampling;
import ai.baton.router.dispatch.GenRequest;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.IntSupplier;

/**
 * Turns an HTTP body into a validated, tokenized {@link ApiRequest}, or throws an {@link ApiException} (400/404)
 * with OpenAI's wording where it has one. Validation is strict about types (numbers are not parsed from strings)
 * and lenient about unknown fields (ignored, as OpenAI-compatible servers do).
 */
public final class RequestParser {
    static final int MAX_LOGPROBS = 20;
    /** OpenAI's own limit on n. */
    static final int MAX_N = 128;
    /** Prompts x n in one request, at most: each is a request of its own in the cluster. */
    static final int MAX_CHOICES = 256;
    private static final int MAX_STOP = 64;
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final ServedModel model;
    private final IntSupplier contextLength;
    private final int defaultMaxTokens;
    private final String reasoningParser;
    /** vLLM's names: qwen3 (Qwen3, DeepSeek-R1 style <think> blocks). */
    public static final List<String> REASONING_PARSERS = List.of("none", "qwen3");

    /**
     * @param contextLength    the context length to enforce now (the nodes' smallest, or the model's)
     * @param defaultMaxTokens max tokens when a request gives none (capped by what the context leaves)
     */
    public RequestParser(ServedModel model, IntSupplier contextLength, int defaultMaxTokens) {
        this(model, contextLength, defaultMaxTokens, "none");
    }

    /** @param reasoningParser "qwen3" to split chat answers' thinking into reasoning_content, or "none" */
    public RequestParser(ServedModel model, IntSupplier contextLength, int defaultMaxTokens, String reasoningParser) {
        if (!REASONING_PARSERS.contains(reasoningParser))
            throw new IllegalArgumentException("unknown reasoning parser " + reasoningParser + " (one of " + REASONING_PARSERS + ")");
        this.model = model;
        this.contextLength = contextLength;
        this.defaultMaxTokens = defaultMaxTokens;
        this.reasoningParser = reasoningParser;
    }

    public static JsonNode readJson(byte[] body) {
        if (body == null || body.length == 0) throw ApiException.badRequest("The request body is empty; expected a JSON object.", null);
        try {
            return JSON.readTree(body);
        } catch (JacksonException e) {
            throw ApiException.badRequest("Invalid JSON in the request body: " + firstLine(e.getOriginalMessage()), null, "invalid_json");
        } catch (java.io.IOException e) {
            throw ApiException.badRequest("Unreadable request body.", null, "invalid_json");
        }
    }

    /** The body's fields: it must be a JSON object. */
    private static Fields fields(byte[] body) {
        JsonNode root = readJson(body);
        if (!root.isObject()) throw ApiException.badRequest("The request body must be a JSON object, got " + Fields.describe(root) + ".", null);
        return new Fields((ObjectNode) root, "");
    }

    public ApiRequest parse(Endpoint endpoint, byte[] body, long arrivalNanos) {
        Fields f = fields(body);
        return switch (endpoint) {
            case COMPLETIONS -> completion(f, arrivalNanos);
            case CHAT -> chat(f, arrivalNanos);
            case GENERATE -> generate(f, arrivalNanos);
            case RESPONSES -> responses(f, arrivalNanos);
        };
    }

    // ---------------------------------------------------------------- endpoints

    private ApiRequest completion(Fields f, long arrival) {
        checkModel(f);
        if (f.has("suffix")) throw f.bad("suffix", "'suffix' is not supported.");
        boolean echo = Boolean.TRUE.equals(f.optBool("echo"));
        Integer logprobs = f.optInt("logprobs", 0, MAX_LOGPROBS);
        if (!f.has("prompt")) throw f.bad("prompt", "'prompt' is required.");
        Boolean special = f.optBool("add_special_tokens");  // vLLM's: false for prompts that already hold BOS
        List<int[]> prompts = completionPrompts(f, special == null || special);
        Integer maxTokens = f.optInt("max_tokens", Integer.MIN_VALUE, Integer.MAX_VALUE);
        ApiRequest req = finish(Endpoint.COMPLETIONS, f, "cmpl-", prompts, maxTokens, "prompt", logprobs == null ? -1 : logprobs,
                arrival, false, false, StructuredOutput.openAi(f));
        if (echo) req = req.withEcho(echoTexts(f, prompts));
        return withPromptLogprobs(f, req);
    }

    /**
     * vLLM's prompt_logprobs (completions and chat), and what the nodes are asked for: the larger of it and, with echo,
     * logprobs. As in vLLM, a streamed request cannot have them (0 is accepted there and ignored).
     */
    private ApiRequest withPromptLogprobs(Fields f, ApiRequest req) {
        Integer k = f.optInt("prompt_logprobs", -1, MAX_LOGPROBS);
        if (k != null && k < 0)
            throw f.bad("prompt_logprobs", "'prompt_logprobs' -1 (the whole vocabulary) is not supported; at most " + MAX_LOGPROBS + ".");
        if (k != null && req.stream()) {
            if (k > 0) throw f.bad("prompt_logprobs", "`prompt_logprobs` are not available when `stream=True`.");
            k = null;
        }
        if (k != null) req = req.withPromptLogprobs(k);
        if (!req.wantsPromptLogprobs()) return req;
        int nodes = Math.max(req.promptLogprobs(), req.echoesLogprobs() ? req.logprobs() : -1);
        List<GenRequest> gens = new ArrayList<>(req.prompts().size());
        for (GenRequest g : req.prompts())
            gens.add(new GenRequest(g.id(), g.prompt(), g.sampling().toBuilder().setPromptLogprobs(nodes).build(), g.arrivalNanos()));
        return req.withPrompts(gens);
    }

    /** With echo: each prompt as given (a string), or its ids decoded as the model saw them. */
    private List<String> echoTexts(Fields f, List<int[]> prompts) {
        JsonNode p = f.node("prompt");
        List<String> out = new ArrayList<>(prompts.size());
        for (int i = 0; i < prompts.size(); i++) {
            JsonNode e = p.isArray() && p.get(0).isTextual() ? p.get(i) : p;
            out.add(e.isTextual() ? e.textValue() : model.tokenizer().decode(prompts.get(i)));
        }
        return out;
    }

    private ApiRequest chat(Fields f, long arrival) {
        checkModel(f);
        Boolean logprobs = f.optBool("logprobs");
        Integer top = f.optInt("top_logprobs", 0, MAX_LOGPROBS);
        if (top != null && top > 0 && !Boolean.TRUE.equals(logprobs))
            throw f.bad("top_logprobs", "'top_logprobs' requires 'logprobs' to be true.");
        ForcedToolCall forced = ForcedToolCall.parse(f);  // a malformed tool_choice is refused before the template runs
        int[] prompt = chatPrompt(f);
        Integer maxTokens = f.optInt("max_completion_tokens", Integer.MIN_VALUE, Integer.MAX_VALUE);
        String maxName = "max_completion_tokens";
        if (maxTokens == null) {
            maxTokens = f.optInt("max_tokens", Integer.MIN_VALUE, Integer.MAX_VALUE);
            maxName = "max_tokens";
        }
        checkMax(f, maxName, maxTokens);
        int lp = Boolean.TRUE.equals(logprobs) ? (top == null ? 0 : top) : -1;
        ApiRequest req = finish(Endpoint.CHAT, f, "chatcmpl-", List.of(prompt), maxTokens, "messages", lp, arrival,
                forced == null && parsesToolCalls(f), reasoningParser.equals("qwen3"),
                forced == null ? StructuredOutput.openAi(f) : StructuredOutput.forcedTool(f, forced));
        return withPromptLogprobs(f, forced == null ? req : req.withForcedTool(forced));
    }

    /**
     * OpenAI's Responses API, text only (what vLLM serves): the request becomes a chat request (instructions as a first
     * system message, then the input's messages, "developer" as "system") and runs the chat path, template, sampling and
     * all. Fields that would change the output and that we cannot honour (tools, previous_response_id, reasoning,
     * non-text input) are 400s naming the field; nothing is stored, so previous_response_id is refused.
     */
    private ApiRequest responses(Fields f, long arrival) {
        checkModel(f);
        JsonNode tools = f.node("tools");
        if (tools != null && (!tools.isArray() || !tools.isEmpty()))
            throw f.bad("tools", tools.isArray() ? "'tools' are not supported on /v1/responses (text only)." : "'tools' must be a list, got " + Fields.describe(tools) + ".");
        JsonNode toolChoice = f.node("tool_choice");
        if (toolChoice != null && !(toolChoice.isTextual() && (toolChoice.textValue().equals("none") || toolChoice.textValue().equals("auto"))))
            throw f.bad("tool_choice", "'tool_choice' must be \"none\" or \"auto\": /v1/responses serves no tools.");
        if (f.has("previous_response_id"))
            throw f.bad("previous_response_id", "'previous_response_id' is not supported: responses are not stored; send the whole conversation as 'input'.");
        if (f.has("conversation")) throw f.bad("conversation", "'conversation' is not supported: send the whole conversation as 'input'.");
        if (f.has("reasoning")) throw f.bad("reasoning", "'reasoning' options are not supported on /v1/responses.");
        if (f.has("prompt")) throw f.bad("prompt", "Prompt templates ('prompt') are not supported; send 'input'.");
        if (Boolean.TRUE.equals(f.optBool("background"))) throw f.bad("background", "'background' mode is not supported.");
        JsonNode include = f.node("include");
        if (include != null && (!include.isArray() || !include.isEmpty())) throw f.bad("include", "'include' is not supported on /v1/responses.");
        Integer topLogprobs = f.optInt("top_logprobs", 0, MAX_LOGPROBS);
        if (topLogprobs != null && topLogprobs > 0) throw f.bad("top_logprobs", "'top_logprobs' is not supported on /v1/responses.");
        String truncation = f.optString("truncation");
        if (truncation != null && !truncation.equals("disabled"))
            throw f.bad("truncation", "Only 'truncation': \"disabled\" is supported, got \"" + truncation + "\".");
        ObjectNode metadata = f.optObject("metadata");
        if (metadata != null) {
            if (metadata.size() > 16) throw f.bad("metadata", "'metadata' may have at most 16 keys.");
            for (Map.Entry<String, JsonNode> e : metadata.properties())
                if (!e.getValue().isTextual()) throw f.bad("metadata", "'metadata' values must be strings, got " + Fields.describe(e.getValue()) + " for \"" + e.getKey() + "\".");
        }
        f.optString("user");   // accepted, unused
        Boolean store = f.optBool("store");   // accepted either way; nothing is stored
        String instructions = f.optString("instructions");
        Integer maxOut = f.optInt("max_output_tokens", Integer.MIN_VALUE, Integer.MAX_VALUE);
        checkMax(f, "max_output_tokens", maxOut);
        Double temperature = f.optDouble("temperature");
        Double topP = f.optDouble("top_p");
        Boolean stream = f.optBool("stream");

        ObjectNode chat = JSON.createObjectNode();
        ArrayNode messages = chat.putArray("messages");
        if (instructions != null) messages.addObject().put("role", "system").put("content", instructions);
        ResponsesRequest.input(f, messages);
        if (maxOut != null) chat.put("max_tokens", maxOut);
        if (temperature != null) chat.put("temperature", temperature);
        if (topP != null) chat.put("top_p", topP);
        if (Boolean.TRUE.equals(stream)) chat.put("stream", true);
        for (String k : List.of("priority", "chat_template_kwargs")) if (f.has(k)) chat.set(k, f.node(k));  // vLLM extras
        ObjectNode format = ResponsesRequest.textFormat(f);
        if (format != null) chat.set("response_format", format);

        ApiRequest req;
        try {
            req = chat(new Fields(chat, ""), arrival);
        } catch (ApiException e) {
            throw ResponsesRequest.asResponsesError(e);
        }
        ObjectNode echo = JSON.createObjectNode();
        if (instructions != null) echo.put("instructions", instructions); else echo.putNull("instructions");
        echo.put("max_output_tokens", req.gen().sampling().getMaxTokens());
        echo.put("temperature", req.gen().sampling().getTemperature());
        echo.put("top_p", req.gen().sampling().getTopP());
        echo.set("metadata", metadata == null ? JSON.createObjectNode() : metadata);
        echo.put("parallel_tool_calls", true);
        echo.put("tool_choice", toolChoice == null ? "auto" : toolChoice.textValue());
        echo.putArray("tools");
        ObjectNode text = echo.putObject("text");
        if (format == null) text.putObject("format").put("type", "text");
        else text.set("format", f.optObject("text").get("format"));
        echo.put("truncation", "disabled");
        echo.put("store", store == null || store);
        echo.putNull("previous_response_id");
        echo.putNull("reasoning");
        if (f.has("user")) echo.put("user", f.optString("user"));
        return req.asResponses(echo);
    }

    /**
     * Whether a chat request's output is searched for tool calls: it offers tools, does not say tool_choice "none", and
     * the model's chat template asks for Hermes-style {@code <tool_call>} blocks (Qwen's do).
     */
    private boolean parsesToolCalls(Fields f) {
        JsonNode tools = f.node("tools");
        if (tools == null || !tools.isArray() || tools.isEmpty()) return false;
        JsonNode choice = f.node("tool_choice");
        if (choice != null && choice.isTextual() && choice.textValue().equals("none")) return false;
        return model.template() != null && model.template().source().contains(ToolCallParser.OPEN);
    }

    /** SGLang's native /generate: text or input_ids, and a sampling_params object. */
    private ApiRequest generate(Fields f, long arrival) {
        int[] prompt;
        if (f.has("text") && f.has("input_ids")) throw f.bad("text", "Give either 'text' or 'input_ids', not both.");
        if (f.has("text")) {
            JsonNode t = f.node("text");
            if (!t.isTextual()) throw f.bad("text", "'text' must be a string (batches are not supported), got " + Fields.describe(t) + ".");
            prompt = encode(t.textValue(), true, "text");
        } else if (f.has("input_ids")) {
            prompt = ints(f.optIds("input_ids", model.vocabSize(), Integer.MAX_VALUE), "input_ids");
        } else {
            throw f.bad("text", "'text' or 'input_ids' is required.");
        }
        ObjectNode sp = f.optObject("sampling_params");
        Fields s = new Fields(sp == null ? JSON.createObjectNode() : sp, "sampling_params.");
        Boolean returnLogprob = f.optBool("return_logprob");
        Integer top = f.optInt("top_logprobs_num", 0, MAX_LOGPROBS);
        Integer maxNew = s.optInt("max_new_tokens", Integer.MIN_VALUE, Integer.MAX_VALUE);
        checkMax(s, "max_new_tokens", maxNew);
        if (maxNew == null) maxNew = Math.min(128, defaultMaxTokens);   // SGLang's default, capped by ours
        Integer n = s.optInt("n", Integer.MIN_VALUE, Integer.MAX_VALUE);
        if (n != null && n != 1) throw s.bad("n", "Only n=1 is supported on /generate; use /v1/completions for more choices.");
        Sampling.Builder b = sampling(s, 1.0).setPriority(priority(f));  // SGLang: a top-level field
        ai.baton.proto.Guide guide = StructuredOutput.sglang(s);
        if (guide != null) b.setGuide(guide);
        Boolean stream = f.optBool("stream");
        String rid = f.optString("rid");
        String id = rid != null && !rid.isBlank() ? rid + "-" + shortId() : "gen-" + shortId();
        int lp = Boolean.TRUE.equals(returnLogprob) ? (top == null ? 0 : top) : -1;
        int start = logprobStart(f, prompt, lp >= 0);
        Boolean text = f.optBool("return_text_in_logprobs");
        int max = checkContext(prompt, maxNew, "text");
        checkMinTokens(s, b, max);
        b.setMaxTokens(max).setLogprobs(lp);
        if (start >= 0) b.setPromptLogprobs(lp);  // the prompt's logprobs from the nodes, top_logprobs_num alternatives each
        return new ApiRequest(Endpoint.GENERATE, new GenRequest(id, prompt, b.build(), arrival), Boolean.TRUE.equals(stream), false, lp, 1)
                .withSglangLogprobs(start, Boolean.TRUE.equals(text));
    }

    /**
     * SGLang's logprob_start_len: -1 (the default) for no prompt logprobs, else the first prompt position that
     * input_token_logprobs covers, below the prompt's length (SGLang refuses the others). Read only with
     * return_logprob, as SGLang does; -1 without.
     */
    private static int logprobStart(Fields f, int[] prompt, boolean returnLogprob) {
        Integer start = f.optInt("logprob_start_len", Integer.MIN_VALUE, Integer.MAX_VALUE);
        if (!returnLogprob || start == null) return -1;
        if (start < -1)
            throw f.bad("logprob_start_len", "'logprob_start_len' must be -1 (output tokens only) or a prompt position from 0, got " + start + ".");
        if (start >= prompt.length)
            throw f.bad("logprob_start_len", "'logprob_start_len' (" + start + ") must be lower than the number of input tokens ("
                    + prompt.length + ").");
        return start;
    }

    /**
     * vLLM's /tokenize: {"prompt": text} (special tokens added unless add_special_tokens is false) or {"messages": [...]}
     * (rendered as for chat: add_generation_prompt, continue_final_message, no special tokens added unless asked).
     */
    public int[] tokenize(byte[] body) {
        Fields f = fields(body);
        checkModel(f);
        if (f.has("prompt") == f.has("messages")) throw f.bad("prompt", "Give either 'prompt' or 'messages'.");
        Boolean special = f.optBool("add_special_tokens");
        if (f.has("messages")) return chatPrompt(f);
        JsonNode p = f.node("prompt");
        if (!p.isTextual()) throw f.bad("prompt", "'prompt' must be a string, got " + Fields.describe(p) + ".");
        try {
            return model.tokenizer().encode(p.textValue(), special == null || special);
        } catch (RuntimeException e) {
            throw ApiException.badRequest("The prompt could not be tokenized: " + firstLine(e.getMessage()), "prompt");
        }
    }

    /** vLLM's /detokenize: {"tokens": [ids]} to text (special tokens kept, as vLLM does). */
    public String detokenize(byte[] body) {
        Fields f = fields(body);
        checkModel(f);
        if (!f.has("tokens")) throw f.bad("tokens", "'tokens' is required.");
        return model.tokenizer().decode(ints(f.optIds("tokens", model.vocabSize(), Integer.MAX_VALUE), "tokens"));
    }

    // ---------------------------------------------------------------- shared parts

    private ApiRequest finish(Endpoint ep, Fields f, String idPrefix, List<int[]> prompts, Integer maxTokens, String promptParam,
                              int logprobs, long arrival, boolean toolCalls, boolean reasoning, ai.baton.proto.Guide guide) {
        checkMax(f, "max_tokens", maxTokens);
        Integer n = f.optInt("n", Integer.MIN_VALUE, Integer.MAX_VALUE);
        if (n == null) n = 1;
        if (n < 1 || n > MAX_N) throw f.bad("n", "'n' must be between 1 and " + MAX_N + ", got " + n + ".");
        if ((long) n * prompts.size() > MAX_CHOICES)
            throw f.bad("n", prompts.size() + " prompts x n=" + n + " is more than " + MAX_CHOICES + " completions in one request.");
        Integer bestOf = f.optInt("best_of", Integer.MIN_VALUE, Integer.MAX_VALUE);
        if (bestOf != null && bestOf != n)
            throw f.bad("best_of", "'best_of' must equal 'n' (" + n + "): choices are not ranked, got best_of=" + bestOf + ".");
        boolean stream = Boolean.TRUE.equals(f.optBool("stream"));
        ObjectNode so = f.optObject("stream_options");
        boolean includeUsage = false;
        if (so != null) {
            if (!stream) throw f.bad("stream_options", "Stream options can only be defined when `stream=True`.");
            Boolean iu = new Fields(so, "stream_options.").optBool("include_usage");
            includeUsage = Boolean.TRUE.equals(iu);
        }
        Sampling.Builder b = sampling(f, 1.0).setPriority(priority(f));
        if (guide != null) b.setGuide(guide);
        String id = idPrefix + shortId();
        List<GenRequest> gens = new ArrayList<>(prompts.size());
        for (int i = 0; i < prompts.size(); i++) {
            int[] prompt = prompts.get(i);
            int max = checkContext(prompt, maxTokens, promptParam);
            checkMinTokens(f, b, max);
            gens.add(new GenRequest(prompts.size() == 1 ? id : id + "-p" + i, prompt, b.clone().setMaxTokens(max).setLogprobs(logprobs).build(), arrival));
        }
        return new ApiRequest(ep, gens, stream, includeUsage, logprobs, n, toolCalls, reasoning);
    }

    private Sampling.Builder sampling(Fields f, double defaultTemperature) {
        Sampling.Builder b = Sampling.newBuilder();
        var gen = model.generation();
        Double temperature = f.optDouble("temperature");
        if (temperature == null) temperature = gen.temperature() != null ? gen.temperature() : defaultTemperature;
        if (temperature < 0) throw f.bad("temperature", "'temperature' must be at least 0, got " + temperature + ".");
        Double topP = f.optDouble("top_p");
        if (topP == null) topP = gen.topP() != null ? gen.topP() : 1.0;
        if (!(topP > 0 && topP <= 1)) throw f.bad("top_p", "'top_p' must be in (0, 1], got " + topP + ".");
        Integer topK = f.optInt("top_k", Integer.MIN_VALUE, Integer.MAX_VALUE);
        if (topK == null) topK = gen.topK() != null ? gen.topK() : 0;
        if (topK < -1) throw f.bad("top_k", "'top_k' must be -1 or 0 (disabled) or at least 1, got " + topK + ".");
        Double minP = f.optDouble("min_p");
        if (minP == null) minP = 0.0;
        if (!(minP >= 0 && minP <= 1)) throw f.bad("min_p", "'min_p' must be in [0, 1], got " + minP + ".");
        Long seed = f.optLong("seed", Long.MIN_VALUE, Long.MAX_VALUE);
        if (seed == null) seed = f.optLong("sampling_seed", Long.MIN_VALUE, Long.MAX_VALUE);
        List<String> stop = f.optStrings("stop", MAX_STOP);
        List<Integer> stopIds = f.optIds("stop_token_ids", model.vocabSize(), MAX_STOP);
        Boolean ignoreEos = f.optBool("ignore_eos");
        Boolean skipSpecial = f.optBool("skip_special_tokens");
        Boolean includeStop = f.optBool("include_stop_str_in_output");
        Integer minTokens = f.optInt("min_tokens", 0, Integer.MAX_VALUE);
        b.putAllLogitBias(logitBias(f)).setMinTokens(minTokens == null ? 0 : minTokens)
                .setIncludeStopStrInOutput(Boolean.TRUE.equals(includeStop)).setKeepSpecialTokens(Boolean.FALSE.equals(skipSpecial));
        double presence = penalty(f, "presence_penalty", 0), frequency = penalty(f, "frequency_penalty", 0);
        Double repetition = f.optDouble("repetition_penalty");
        if (repetition == null) repetition = gen.repetitionPenalty() != null ? gen.repetitionPenalty() : 1.0;
        if (!(repetition > 0) || repetition.isInfinite())
            throw f.bad("repetition_penalty", "'repetition_penalty' must be a number > 0, got " + repetition + ".");
        b.setPresencePenalty(presence).setFrequencyPenalty(frequency).setRepetitionPenalty(repetition);
        b.setTemperature(temperature).setTopP(topP).setTopK(Math.max(0, topK)).setMinP(minP)
                .addAllStop(stop).addAllStopTokenIds(stopIds).setIgnoreEos(Boolean.TRUE.equals(ignoreEos));
        if (seed != null) b.setSeed(seed);
        return b;
    }

    /** vLLM's and SGLang's priority: any integer, lower is served first (0 when absent). */
    private static int priority(Fields f) {
        Integer p = f.optInt("priority", Integer.MIN_VALUE, Integer.MAX_VALUE);
        return p == null ? 0 : p;
    }

    /** OpenAI's logit_bias: {"token id": bias in [-100, 100], ...}. */
    private Map<Integer, Float> logitBias(Fields f) {
        ObjectNode o = f.optObject("logit_bias");
        Map<Integer, Float> out = new LinkedHashMap<>();
        if (o == null) return out;
        for (Map.Entry<String, JsonNode> e : o.properties()) {
            int id;
            try {
                id = Integer.parseInt(e.getKey());
            } catch (NumberFormatException ex) {
                throw f.bad("logit_bias", "'logit_bias' keys must be token ids, got \"" + e.getKey() + "\".");
            }
            if (id < 0 || id >= model.vocabSize())
                throw f.bad("logit_bias", "'logit_bias' token id " + id + " is outside the vocabulary (0.." + (model.vocabSize() - 1) + ").");
            JsonNode v = e.getValue();
            if (!v.isNumber() || !(Math.abs(v.doubleValue()) <= 100))
                throw f.bad("logit_bias", "'logit_bias' values must be numbers in [-100, 100], got " + Fields.describe(v) + " for " + id + ".");
            out.put(id, (float) v.doubleValue());
        }
        return out;
    }

    /** min_tokens may not exceed the tokens the request may generate. */
    private static void checkMinTokens(Fields f, Sampling.Builder b, int max) {
        if (b.getMinTokens() > max)
            throw f.bad("min_tokens", "'min_tokens' (" + b.getMinTokens() + ") must not exceed the maximum tokens (" + max + ").");
    }

    /** OpenAI's presence and frequency penalties: in [-2, 2]. */
    private static double penalty(Fields f, String name, double dflt) {
        Double v = f.optDouble(name);
        if (v == null) return dflt;
        if (!(v >= -2 && v <= 2)) throw f.bad(name, "'" + name + "' must be in [-2, 2], got " + v + ".");
        return v;
    }

    private static void checkMax(Fields f, String name, Integer maxTokens) {
        if (maxTokens != null && maxTokens < 1)
            throw f.bad(name, "'" + name + "' must be at least 1, got " + maxTokens + ".");
    }

    /** Enforces the context length (vLLM's wording); returns the max tokens to use. */
    private int checkContext(int[] prompt, Integer requested, String promptParam) {
        int ctx = contextLength.getAsInt();
        int max = requested != null ? requested : Math.max(1, Math.min(defaultMaxTokens, ctx - prompt.length));
        if (ctx > 0 && (long) prompt.length + max > ctx) {
            throw ApiException.badRequest("This model's maximum context length is " + ctx + " tokens. However, you requested "
                    + ((long) prompt.length + max) + " tokens (" + prompt.length + " in the messages, " + max
                    + " in the completion). Please reduce the length of the messages or completion.", promptParam,
                    "context_length_exceeded");
        }
        return max;
    }

    private void checkModel(Fields f) {
        JsonNode m = f.node("model");
        if (m == null) return;
        if (!m.isTextual()) throw f.bad("model", "'model' must be a string, got " + Fields.describe(m) + ".");
        if (!model.answersTo(m.textValue()))
            throw ApiException.notFound("The model `" + m.textValue() + "` does not exist.", "model", "model_not_found");
    }

    /** A string, a list of token ids, or a list of those (a batch: one generation per prompt). */
    private List<int[]> completionPrompts(Fields f, boolean addSpecial) {
        JsonNode p = f.node("prompt");
        if (p.isTextual()) return List.of(encode(p.textValue(), addSpecial, "prompt"));
        if (p.isArray()) {
            ArrayNode a = (ArrayNode) p;
            if (a.isEmpty()) throw f.bad("prompt", "'prompt' must not be empty.");
            JsonNode first = a.get(0);
            if (!first.isTextual() && !first.isArray()) return List.of(idsOf(f, a));
            if (a.size() > MAX_CHOICES) throw f.bad("prompt", "At most " + MAX_CHOICES + " prompts in one request, got " + a.size() + ".");
            List<int[]> out = new ArrayList<>(a.size());
            for (JsonNode e : a) {
                if (e.isTextual()) out.add(encode(e.textValue(), addSpecial, "prompt"));
                else if (e.isArray()) out.add(idsOf(f, e));
                else throw f.bad("prompt", "A batch of prompts must hold only strings or only lists of token ids; got " + Fields.describe(e) + ".");
                if (e.isTextual() != first.isTextual())
                    throw f.bad("prompt", "A batch of prompts must hold only strings or only lists of token ids.");
            }
            return out;
        }
        throw f.bad("prompt", "'prompt' must be a string, a list of token ids, or a list of those; got " + Fields.describe(p) + ".");
    }

    private int[] idsOf(Fields f, JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = f.tokenId("prompt", a.get(i), model.vocabSize());
        if (out.length == 0) throw f.bad("prompt", "'prompt' must not be empty.");
        return out;
    }

    private int[] chatPrompt(Fields f) {
        JsonNode msgs = f.node("messages");
        if (msgs == null) throw f.bad("messages", "'messages' is required.");
        if (!msgs.isArray()) throw f.bad("messages", "'messages' must be a list, got " + Fields.describe(msgs) + ".");
        if (msgs.isEmpty()) throw f.bad("messages", "'messages' must not be empty.");
        List<Map<String, Object>> messages = new ArrayList<>(msgs.size());
        int i = 0;
        for (JsonNode m : msgs) {
            String where = "messages[" + i++ + "]";
            if (!m.isObject()) throw ApiException.badRequest("'" + where + "' must be an object.", where);
            JsonNode role = m.get("role");
            if (role == null || !role.isTextual() || role.textValue().isEmpty())
                throw ApiException.badRequest("'" + where + ".role' must be a non-empty string.", where + ".role");
            Map<String, Object> out = new LinkedHashMap<>();
            m.properties().forEach(e -> out.put(e.getKey(), e.getValue()));
            out.put("role", role.textValue());
            out.put("content", content(m.get("content"), where));
            messages.add(out);
        }
        ChatTemplate tpl = model.template();
        if (tpl == null) throw ApiException.badRequest("This model has no chat template; use /v1/completions.", "messages");
        Map<String, Object> kwargs = new LinkedHashMap<>();
        ObjectNode ctk = f.optObject("chat_template_kwargs");
        if (ctk != null) ctk.properties().forEach(e -> kwargs.put(e.getKey(), e.getValue()));
        JsonNode tools = f.node("tools");
        if (tools != null) {
            if (!tools.isArray()) throw f.bad("tools", "'tools' must be a list.");
            kwargs.put("tools", tools);
        }
        Boolean agp = f.optBool("add_generation_prompt");
        boolean continueFinal = Boolean.TRUE.equals(f.optBool("continue_final_message"));
        if (continueFinal && (agp == null || agp))  // add_generation_prompt defaults to true, as in vLLM
            throw f.bad("continue_final_message", "'continue_final_message' needs 'add_generation_prompt': false.");
        String rendered;
        try {
            rendered = tpl.render(messages, agp == null || agp, kwargs);
        } catch (RuntimeException | StackOverflowError e) {
            throw ApiException.badRequest("The chat template could not render these messages: " + firstLine(e.getMessage()), "messages");
        }
        if (continueFinal) rendered = openFinalMessage(rendered, messages.getLast());
        // The template writes the special tokens itself; add_special_tokens true (vLLM's option) adds the tokenizer's too.
        return encode(rendered, Boolean.TRUE.equals(f.optBool("add_special_tokens")), "messages");
    }

    /**
     * vLLM's continue_final_message: the rendering cut right after the last message's content, so that the model goes
     * on with that message (an assistant answer begun by the client) instead of closing it.
     */
    private static String openFinalMessage(String rendered, Map<String, Object> last) {
        String content = String.valueOf(last.get("content"));
        int at = content.isEmpty() ? -1 : rendered.lastIndexOf(content);
        if (at < 0)
            throw ApiException.badRequest("With 'continue_final_message' the last message must have text content that the chat template keeps.",
                    "continue_final_message");
        return rendered.substring(0, at + content.length());
    }

    /**
     * A message's content as the template wants it: a string, text parts joined by newlines. A missing or null content
     * (an assistant turn that only calls tools) is "", as vLLM hands string-content templates, which test it with `in`.
     */
    private static Object content(JsonNode c, String where) {
        if (c == null || c.isNull()) return "";
        if (c.isTextual()) return c.textValue();
        if (c.isArray()) {
            StringBuilder sb = new StringBuilder();
            for (JsonNode part : c) {
                if (!part.isObject() || !"text".equals(part.path("type").asText(null)) || !part.path("text").isTextual())
                    throw ApiException.badRequest("'" + where + ".content' parts must be {\"type\": \"text\", \"text\": string}; other content is not supported.", where + ".content");
                if (!sb.isEmpty()) sb.append('\n');
                sb.append(part.get("text").textValue());
            }
            return sb.toString();
        }
        throw ApiException.badRequest("'" + where + ".content' must be a string or a list of text parts.", where + ".content");
    }

    private int[] encode(String text, boolean addSpecial, String param) {
        int[] ids;
        try {
            ids = model.tokenizer().encode(text, addSpecial);
        } catch (RuntimeException e) {
            throw ApiException.badRequest("The " + param + " could not be tokenized: " + firstLine(e.getMessage()), param);
        }
        if (ids.length == 0) throw ApiException.badRequest("The " + param + " must contain at least one token.", param);
        return ids;
    }

    private static int[] ints(List<Integer> l, String param) {
        if (l.isEmpty()) throw ApiException.badRequest("'" + param + "' must not be empty.", param);
        int[] out = new int[l.size()];
        for (int i = 0; i < out.length; i++) out[i] = l.get(i);
        return out;
    }

    private static String shortId() {
        return UUID.randomUUID().toString().replace("-", "");
    }

    private static String firstLine(String s) {
        if (s == null) return "unknown error";
        int nl = s.indexOf('\n');
        String line = nl < 0 ? s : s.substring(0, nl);
        return line.length() > 300 ? line.substring(0, 300) + "..." : line;
    }
}
