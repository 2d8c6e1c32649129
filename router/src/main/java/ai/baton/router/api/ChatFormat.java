package ai.baton.router.api;

import ai.baton.proto.TokenLogprob;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;

/**
 * /v1/chat/completions: "chat.completion" and "chat.completion.chunk" objects. With a reasoning parser
 * ({@link ApiRequest#reasoning}) a choice's thinking goes to {@code reasoning_content} ({@link ReasoningSplit}). With
 * tools ({@link ApiRequest#toolCalls}) the tool-call blocks of its content become {@code tool_calls} (streamed as
 * OpenAI does: a call's id and name, then pieces of its arguments, {@link ToolCallStream}) and its finish_reason
 * "tool_calls". A tool_choice that forces a call ({@link ForcedToolCall}) turns the guided JSON output into
 * {@code tool_calls}, streamed the same way: a named function's arguments piece by piece, "required"'s calls each
 * with its id and name once the name is complete, then its arguments piece by piece ({@link RequiredToolCallStream}).
 */
final class ChatFormat implements ResponseFormat {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private final ApiRequest req;
    private final ServedModel model;
    private final long created;
    private final ToolCallStream[] toolStreams;   // per choice, when streaming with tools
    private final ReasoningSplit[] reasoning;     // per choice, when streaming with a reasoning parser
    private final String[] forcedIds;             // per choice, streaming a named forced call: its id once sent
    private final RequiredToolCallStream[] required;  // per choice, when streaming tool_choice "required"

    ChatFormat(ApiRequest req, ServedModel model, long created) {
        this.req = req;
        this.model = model;
        this.created = created;
        this.toolStreams = req.toolCalls() && req.stream() ? new ToolCallStream[req.choices()] : null;
        if (toolStreams != null) for (int i = 0; i < toolStreams.length; i++) toolStreams[i] = new ToolCallStream();
        this.reasoning = req.reasoning() && req.stream() ? new ReasoningSplit[req.choices()] : null;
        if (reasoning != null) for (int i = 0; i < reasoning.length; i++) reasoning[i] = new ReasoningSplit();
        this.forcedIds = new String[req.choices()];
        this.required = req.forcedTool() != null && req.forcedTool().required() && req.stream() ? new RequiredToolCallStream[req.choices()] : null;
        if (required != null) for (int i = 0; i < required.length; i++) required[i] = new RequiredToolCallStream();
    }

    private ObjectNode envelope(String object) {
        ObjectNode o = F.objectNode();
        o.put("id", req.gen().id());
        o.put("object", object);
        o.put("created", created);
        o.put("model", model.name());
        return o;
    }

    private ObjectNode chunk(int index, ObjectNode delta, List<TokenLogprob> lps, String finish) {
        ObjectNode o = envelope("chat.completion.chunk");
        ArrayNode choices = o.putArray("choices");
        ObjectNode c = choices.addObject();
        c.put("index", index);
        c.set("delta", delta);
        if (req.logprobs() >= 0 && lps != null) c.set("logprobs", LogprobText.chat(model.tokenizer(), lps));
        else c.putNull("logprobs");
        c.put("finish_reason", finish);
        if (req.includeUsage()) o.putNull("usage");
        return o;
    }

    @Override
    public List<ObjectNode> streamStart() {
        List<ObjectNode> out = new ArrayList<>(req.choices());
        for (int i = 0; i < req.choices(); i++) {
            ObjectNode delta = F.objectNode();
            delta.put("role", "assistant");
            delta.put("content", "");
            out.add(chunk(i, delta, null, null));
        }
        return out;
    }

    @Override
    public ObjectNode streamDelta(int index, String text, List<Integer> ids, List<TokenLogprob> lps) {
        if (req.forcedTool() != null) return forcedDelta(index, text, lps);
        if (toolStreams == null && reasoning == null) {
            ObjectNode delta = F.objectNode();
            delta.put("content", text);
            return chunk(index, delta, lps, null);
        }
        String thought = "";
        if (reasoning != null) {
            ReasoningSplit.Parts p = reasoning[index].feed(text);
            thought = p.reasoning();
            text = p.content();
        }
        List<ToolCallStream.Delta> calls = List.of();
        if (toolStreams != null) {
            ToolCallStream.Update u = toolStreams[index].feed(text);
            text = u.content();
            calls = u.calls();
        }
        if (thought.isEmpty() && text.isEmpty() && calls.isEmpty() && (req.logprobs() < 0 || lps.isEmpty())) return null;  // all held back
        ObjectNode delta = F.objectNode();
        if (!thought.isEmpty()) delta.put("reasoning_content", thought);
        if (!text.isEmpty() || (thought.isEmpty() && calls.isEmpty())) delta.put("content", text);
        if (!calls.isEmpty()) toolCallDeltas(delta, calls);
        return chunk(index, delta, lps, null);
    }

    /** A forced call's piece: a named function's arguments text as it comes; "required"'s calls as they are read. */
    private ObjectNode forcedDelta(int index, String text, List<TokenLogprob> lps) {
        ObjectNode delta = F.objectNode();
        if (required != null) {
            List<ToolCallStream.Delta> calls = required[index].feed(text);
            if (!calls.isEmpty()) toolCallDeltas(delta, calls);
        } else if (!text.isEmpty()) {
            toolCallDeltas(delta, List.of(forcedPiece(index, text)));
        }
        if (delta.isEmpty() && (req.logprobs() < 0 || lps.isEmpty())) return null;
        return chunk(index, delta, lps, null);
    }

    /** The named forced call's next delta: with its id, type and name the first time. */
    private ToolCallStream.Delta forcedPiece(int index, String arguments) {
        if (forcedIds[index] != null) return new ToolCallStream.Delta(0, null, null, arguments);
        forcedIds[index] = ToolCallParser.newId();
        return new ToolCallStream.Delta(0, forcedIds[index], req.forcedTool().name(), arguments);
    }

    private ObjectNode forcedFinish(int index, String finishReason) {
        ObjectNode delta = F.objectNode();
        ForcedToolCall forced = req.forcedTool();
        if (!forced.required()) {
            if (forcedIds[index] == null) toolCallDeltas(delta, List.of(forcedPiece(index, "")));
            return chunk(index, delta, null, finishReason);
        }
        ToolCallStream.End end = required[index].finish();
        if (!end.content().isEmpty()) delta.put("content", end.content());  // no call ever started: the text as it is
        if (!end.calls().isEmpty()) toolCallDeltas(delta, end.calls());
        return chunk(index, delta, null, forced.finishReason(finishReason, required[index].madeCalls()));
    }

    @Override
    public ObjectNode streamFinish(int index, String finishReason, Usage usage) {
        if (req.forcedTool() != null) return forcedFinish(index, finishReason);
        ObjectNode delta = F.objectNode();
        String content = "";  // whatever was held back
        if (reasoning != null) {
            ReasoningSplit.Parts p = reasoning[index].finish();
            if (!p.reasoning().isEmpty()) delta.put("reasoning_content", p.reasoning());
            content = p.content();
        }
        List<ToolCallStream.Delta> calls = List.of();
        if (toolStreams != null) {
            ToolCallStream.Update released = toolStreams[index].feed(content);
            ToolCallStream.End end = toolStreams[index].finish();
            content = released.content() + end.content();
            calls = new ArrayList<>(released.calls());
            calls.addAll(end.calls());
            if (toolStreams[index].calledTools()) finishReason = "tool_calls";
        }
        if (!content.isEmpty()) delta.put("content", content);
        if (!calls.isEmpty()) toolCallDeltas(delta, calls);
        return chunk(index, delta, null, finishReason);
    }

    /** OpenAI's streamed tool calls: the first delta of a call has its id, type and name; each has an arguments piece. */
    private static void toolCallDeltas(ObjectNode delta, List<ToolCallStream.Delta> calls) {
        ArrayNode tc = delta.putArray("tool_calls");
        for (ToolCallStream.Delta d : calls) {
            ObjectNode o = tc.addObject();
            o.put("index", d.index());
            if (d.id() != null) {
                o.put("id", d.id());
                o.put("type", "function");
            }
            ObjectNode fn = o.putObject("function");
            if (d.name() != null) fn.put("name", d.name());
            fn.put("arguments", d.arguments());
        }
    }

    private static ObjectNode toolCall(ToolCallParser.ToolCall c) {
        ObjectNode o = F.objectNode();
        o.put("id", c.id());
        o.put("type", "function");
        ObjectNode fn = o.putObject("function");
        fn.put("name", c.name());
        fn.put("arguments", c.arguments());
        return o;
    }

    @Override
    public ObjectNode streamUsage(Usage usage) {
        if (!req.includeUsage()) return null;
        ObjectNode o = envelope("chat.completion.chunk");
        o.putArray("choices");
        o.set("usage", CompletionFormat.usageNode(usage));
        return o;
    }

    @Override
    public ObjectNode full(List<Choice> choices, Usage usage) {
        ObjectNode o = envelope("chat.completion");
        ArrayNode cs = o.putArray("choices");
        for (int i = 0; i < choices.size(); i++) {
            Choice ch = choices.get(i);
            ObjectNode c = cs.addObject();
            c.put("index", i);
            ObjectNode msg = c.putObject("message");
            msg.put("role", "assistant");
            String text = ch.text();
            if (req.reasoning()) {
                ReasoningSplit.Parts p = ReasoningSplit.split(text);
                if (p.reasoning() != null) msg.put("reasoning_content", p.reasoning());
                text = p.content();
            }
            ToolCallParser.Parsed calls = req.toolCalls() ? ToolCallParser.parse(text) : null;
            String finish = ch.finishReason();
            if (req.forcedTool() != null) {
                List<ToolCallParser.ToolCall> forced = req.forcedTool().calls(text);
                if (!forced.isEmpty()) calls = new ToolCallParser.Parsed(null, forced);
                finish = req.forcedTool().finishReason(finish, !forced.isEmpty());
            }
            if (calls == null) {
                msg.put("content", text);
            } else {
                msg.put("content", calls.content());
                ArrayNode tc = msg.putArray("tool_calls");
                for (ToolCallParser.ToolCall call : calls.calls()) tc.add(toolCall(call));
                if (req.forcedTool() == null) finish = "tool_calls";
            }
            if (req.logprobs() >= 0) c.set("logprobs", LogprobText.chat(model.tokenizer(), ch.logprobs()));
            else c.putNull("logprobs");
            c.put("finish_reason", finish);
            c.putNull("stop_reason");
        }
        o.set("usage", CompletionFormat.usageNode(usage));
        if (req.promptLogprobs() >= 0) {  // vLLM's: one list for the response (the choices share the prompt)
            List<TokenLogprob> prompt = choices.getFirst().promptLogprobs();
            o.set("prompt_logprobs", LogprobText.vllmPrompt(model.tokenizer(), req.gen().prompt(), prompt != null ? prompt : List.of()));
        }
        return o;
    }
}
