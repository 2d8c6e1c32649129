package ai.baton.router.api;

import ai.baton.proto.TokenLogprob;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * /v1/responses (OpenAI's Responses API, text only): a "response" object holding one assistant message with one
 * output_text part. Streamed as OpenAI streams it: named SSE events (response.created, response.in_progress,
 * response.output_item.added, response.content_part.added, response.output_text.delta..., response.output_text.done,
 * response.content_part.done, response.output_item.done, then response.completed or response.incomplete with the
 * whole response), each with a sequence_number from 0, and no [DONE]. A finish by length is status "incomplete",
 * reason "max_output_tokens". With a reasoning parser the model's thinking is left out of the text (no reasoning
 * items are produced). One choice only: the Responses API has no n.
 */
final class ResponsesFormat implements ResponseFormat {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private final ApiRequest req;
    private final ServedModel model;
    private final long created;
    private final String id;
    private final String itemId = "msg_" + UUID.randomUUID().toString().replace("-", "");
    private final ReasoningSplit reasoning;   // when streaming with a reasoning parser
    private final StringBuilder streamed = new StringBuilder();
    private int sequence;

    ResponsesFormat(ApiRequest req, ServedModel model, long created) {
        if (req.choices() != 1) throw new IllegalArgumentException("the Responses API has one output");
        this.req = req;
        this.model = model;
        this.created = created;
        String gen = req.gen().id();
        this.id = "resp_" + gen.substring(gen.indexOf('-') + 1);
        this.reasoning = req.reasoning() && req.stream() ? new ReasoningSplit() : null;
    }

    /** The response object; {@code usage} null while in progress. */
    private ObjectNode response(String status, ArrayNode output, Usage usage, String incomplete) {
        ObjectNode o = F.objectNode();
        o.put("id", id);
        o.put("object", "response");
        o.put("created_at", created);
        o.put("status", status);
        o.put("model", model.name());
        o.set("output", output);
        o.putNull("error");
        if (incomplete == null) o.putNull("incomplete_details");
        else o.putObject("incomplete_details").put("reason", incomplete);
        if (req.responses() != null) for (Map.Entry<String, com.fasterxml.jackson.databind.JsonNode> e : req.responses().properties())
            o.set(e.getKey(), e.getValue().deepCopy());
        if (usage == null) {
            o.putNull("usage");
        } else {
            ObjectNode u = o.putObject("usage");
            u.put("input_tokens", usage.promptTokens());
            u.putObject("input_tokens_details").put("cached_tokens", usage.cachedTokens());
            u.put("output_tokens", usage.completionTokens());
            u.putObject("output_tokens_details").put("reasoning_tokens", 0);
            u.put("total_tokens", usage.promptTokens() + usage.completionTokens());
        }
        return o;
    }

    private ObjectNode finalResponse(String text, String finishReason, Usage usage) {
        boolean cut = "length".equals(finishReason);
        ArrayNode output = F.arrayNode();
        output.add(message(itemStatus(finishReason), text));
        return response(cut ? "incomplete" : "completed", output, usage, cut ? "max_output_tokens" : null);
    }

    /** The message item's status: "incomplete" when max_output_tokens cut it, as OpenAI marks it. */
    private static String itemStatus(String finishReason) { return "length".equals(finishReason) ? "incomplete" : "completed"; }

    private ObjectNode message(String status, String text) {
        ObjectNode m = F.objectNode();
        m.put("id", itemId);
        m.put("type", "message");
        m.put("status", status);
        m.put("role", "assistant");
        ArrayNode content = m.putArray("content");
        if (text != null) content.add(part(text));
        return m;
    }

    private static ObjectNode part(String text) {
        ObjectNode p = F.objectNode();
        p.put("type", "output_text");
        p.put("text", text);
        p.putArray("annotations");
        p.putArray("logprobs");
        return p;
    }

    /** An event: its type, sequence number, then the rest. */
    private ObjectNode event(String type) {
        ObjectNode o = F.objectNode();
        o.put("type", type);
        o.put("sequence_number", sequence++);
        return o;
    }

    private ObjectNode partEvent(String type) {
        ObjectNode o = event(type);
        o.put("item_id", itemId);
        o.put("output_index", 0);
        o.put("content_index", 0);
        return o;
    }

    @Override
    public List<ObjectNode> streamStart() {
        List<ObjectNode> out = new ArrayList<>(4);
        out.add(event("response.created").set("response", response("in_progress", F.arrayNode(), null, null)));
        out.add(event("response.in_progress").set("response", response("in_progress", F.arrayNode(), null, null)));
        ObjectNode added = event("response.output_item.added");
        added.put("output_index", 0);
        added.set("item", message("in_progress", null));
        out.add(added);
        out.add(partEvent("response.content_part.added").set("part", part("")));
        return out;
    }

    @Override
    public ObjectNode streamDelta(int index, String text, List<Integer> tokenIds, List<TokenLogprob> logprobs) {
        if (reasoning != null) text = reasoning.feed(text).content();
        if (text.isEmpty()) return null;
        streamed.append(text);
        ObjectNode o = partEvent("response.output_text.delta");
        o.put("delta", text);
        o.putArray("logprobs");
        return o;
    }

    @Override
    public ObjectNode streamFinish(int index, String finishReason, Usage usage) {
        throw new UnsupportedOperationException("streamEnd sends the Responses API's closing events");
    }

    @Override
    public List<ObjectNode> streamEnd(int index, String finishReason, Usage usage) {
        List<ObjectNode> out = new ArrayList<>(5);
        if (reasoning != null) {
            String rest = reasoning.finish().content();
            if (!rest.isEmpty()) {
                streamed.append(rest);
                out.add(partEvent("response.output_text.delta").put("delta", rest));
                out.getLast().putArray("logprobs");
            }
        }
        String text = streamed.toString();
        ObjectNode done = partEvent("response.output_text.done");
        done.put("text", text);
        done.putArray("logprobs");
        out.add(done);
        out.add(partEvent("response.content_part.done").set("part", part(text)));
        ObjectNode item = event("response.output_item.done");
        item.put("output_index", 0);
        item.set("item", message(itemStatus(finishReason), text));
        out.add(item);
        ObjectNode resp = finalResponse(text, finishReason, usage);
        out.add(event("response." + resp.get("status").textValue()).set("response", resp));
        return out;
    }

    @Override
    public String sseEvent(ObjectNode chunk) {
        return chunk.path("type").asText("error");
    }

    @Override
    public boolean sseDone() { return false; }

    /** OpenAI's in-stream error event. */
    @Override
    public ObjectNode streamError(ApiException error) {
        ObjectNode o = event("error");
        o.put("code", error.code());
        o.put("message", error.getMessage());
        o.put("param", error.param());
        return o;
    }

    @Override
    public ObjectNode streamUsage(Usage usage) { return null; }

    @Override
    public ObjectNode full(List<Choice> choices, Usage usage) {
        String text = choices.getFirst().text();
        if (req.reasoning()) text = ReasoningSplit.split(text).content();
        return finalResponse(text, choices.getFirst().finishReason(), usage);
    }
}
