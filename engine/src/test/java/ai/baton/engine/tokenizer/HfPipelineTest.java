package ai.baton.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Pipeline pieces the real tokenizers do not use (every Split behavior with and without invert,
 * normalizers, Bert/Roberta/Template post-processors), checked against HF tokenizers 0.23 on the
 * Llama 3 vocabulary (hf-pipeline.json, made by gen_hf_pipeline.py).
 */
class HfPipelineTest {
    @TestFactory
    List<DynamicTest> variantsMatchHf() throws IOException {
        JsonNode data;
        try (InputStream in = HfPipelineTest.class.getResourceAsStream("hf-pipeline.json")) {
            data = TestTokenizers.MAPPER.readTree(in);
        }
        TokenizerJson base = TokenizerJson.read(TestTokenizers.llama3Dir().resolve("tokenizer.json"));
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode v : data.get("variants")) {
            tests.add(DynamicTest.dynamicTest(v.get("name").asText(), () -> {
                TokenizerJson json = base.copy();
                for (Map.Entry<String, JsonNode> e : v.get("set").properties()) {
                    switch (e.getKey()) {
                        case "pre_tokenizer" -> json.preTokenizer = e.getValue();
                        case "normalizer" -> json.normalizer = e.getValue();
                        case "post_processor" -> json.postProcessor = e.getValue();
                        default -> throw new IllegalArgumentException(e.getKey());
                    }
                }
                Tokenizer tok = Tokenizer.fromParsed(json, TokenizerConfig.empty(), v.get("name").asText());
                HfExtraCasesTest.checkEncode(tok, v.get("cases"));
            }));
        }
        return tests;
    }
}
