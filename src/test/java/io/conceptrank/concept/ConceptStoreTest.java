package io.conceptrank.concept;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.conceptrank.NotFoundException;
import io.conceptrank.concept.ConceptStore.Upload;
import io.conceptrank.concept.ConceptStore.UploadResult;
import io.conceptrank.model.io.SafetensorsFile;
import io.conceptrank.model.io.SafetensorsWriter;
import io.conceptrank.model.tokenizer.ClipTokenizer;
import io.conceptrank.training.EmbeddingFileException;
import io.conceptrank.training.EmbeddingFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

class ConceptStoreTest {

    private static final int WIDTH = 8;

    @TempDir
    Path data;

    private final ClipTokenizer tokenizer = ClipTokenizer.loadDefault();
    private final ImageDecoder decoder = new ImageDecoder(1 << 20, 1_000_000);

    private ConceptStore store() {
        return new ConceptStore(data, tokenizer, decoder, WIDTH);
    }

    private static Upload upload(String name, byte[] bytes) {
        return new Upload(name, () -> bytes);
    }

    @Test
    void createWritesTheFolderAndRegistersThePlaceholder() throws IOException {
        Concept concept = store().create("  My Dog!  ", "<my-dog>", "dog", null);

        assertThat(concept.id()).isEqualTo("my-dog");
        assertThat(concept.name()).isEqualTo("My Dog!");
        assertThat(concept.vectors()).isEqualTo(1);
        assertThat(concept.references()).isEmpty();
        assertThat(concept.embedding()).isNull();
        var json = JsonMapper.shared().readTree(data.resolve("concepts/my-dog/concept.json"));
        assertThat(json.path("placeholder").asString()).isEqualTo("<my-dog>");
        assertThat(json.path("initializer").asString()).isEqualTo("dog");
        assertThat(json.path("created").asString()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
        int[] ids = tokenizer.encode("a photo of <my-dog>");
        assertThat(tokenizer.isPlaceholder(ids[ids.length - 1])).isTrue();
    }

    @Test
    void multiVectorPlaceholdersRegisterOneTokenPerVector() {
        store().create("Cat", "<cat*>", "cat", 3);

        assertThat(tokenizer.placeholders()).containsSequence("<cat*>", "<cat*>_1", "<cat*>_2");
    }

    @Test
    void idsAreUniqueSlugsOfTheName() {
        ConceptStore store = store();
        assertThat(store.create("My dog", "<a>", "dog", 1).id()).isEqualTo("my-dog");
        assertThat(store.create("my DOG", "<b>", "dog", 1).id()).isEqualTo("my-dog-2");
        assertThat(store.create("Noé ç le chien", "<c>", "dog", 1).id()).isEqualTo("noe-c-le-chien");
        assertThat(store.create("../../etc", "<d>", "dog", 1).id()).isEqualTo("etc");
        assertThat(store.create("!!!", "<e>", "dog", 1).id()).isEqualTo("concept");
        assertThat(ConceptStore.slug("a".repeat(60))).hasSize(40);
    }

    @Test
    void invalidFieldsAreRefusedWithTheReason() {
        ConceptStore store = store();
        store.create("Dog", "<dog1>", "dog", 1);

        assertThatThrownBy(() -> store.create(" ", "<x>", "dog", 1)).hasMessage("name must not be blank");
        assertThatThrownBy(() -> store.create("X", null, "dog", 1)).hasMessage("placeholder must not be blank");
        assertThatThrownBy(() -> store.create("X", "<my dog>", "dog", 1))
                .hasMessage("placeholder must not contain whitespace: '<my dog>'");
        assertThatThrownBy(() -> store.create("X", "<DOG1>", "dog", 1))
                .hasMessage("placeholder '<DOG1>' is already used by concept 'Dog' (dog)");
        assertThatThrownBy(() -> store.create("X", "dog", "animal", 1))
                .hasMessageStartingWith("placeholder 'dog' is a word the text encoder already knows");
        assertThatThrownBy(() -> store.create("X", "<x>_2", "dog", 1))
                .hasMessageStartingWith("placeholder must not end in _<number>");
        assertThatThrownBy(() -> store.create("X", "<x>", "", 1)).hasMessage("initializer must not be blank");
        assertThatThrownBy(() -> store.create("X", "<x>", "a <dog1>", 1))
                .hasMessage("initializer must be plain words, but '<dog1>' is a placeholder");
        assertThatThrownBy(() -> store.create("X", "<x>", "a <x> dog", 1))
                .hasMessage("initializer must not contain the placeholder itself");
        assertThatThrownBy(() -> store.create("X", "<x>", "dog", 0)).hasMessage("vectors must be 1 to 75, got 0");
        assertThatThrownBy(() -> store.create("X", "<x>", "dog", 76)).hasMessage("vectors must be 1 to 75, got 76");
        assertThat(store.list()).hasSize(1);
    }

    @Test
    void conceptsAndPlaceholdersComeBackAfterARestart() {
        Concept created = store().create("Dog", "<dog*>", "dog", 2);

        ClipTokenizer fresh = ClipTokenizer.loadDefault();
        ConceptStore reloaded = new ConceptStore(data, fresh, decoder, WIDTH);

        assertThat(reloaded.list()).containsExactly(created);
        assertThat(fresh.placeholders()).containsExactly("<dog*>", "<dog*>_1");
        assertThatThrownBy(() -> reloaded.create("Dog again", "<dog*>", "dog", 1))
                .hasMessageContaining("already used");
    }

    @Test
    void damagedConceptFilesAreSkippedAndForeignReferenceNamesIgnored() throws IOException {
        store().create("Good", "<good>", "dog", 1);
        Concept other = store().create("Other", "<other>", "dog", 1);
        Files.createDirectories(data.resolve("concepts/broken"));
        Files.writeString(data.resolve("concepts/broken/concept.json"), "{ not json");
        Path otherJson = data.resolve("concepts/other/concept.json");
        ObjectNode json = (ObjectNode) JsonMapper.shared().readTree(otherJson);
        json.putArray("references").addObject().put("file", "../../good/concept.json").put("originalName", "x")
                .put("format", "png").put("width", 1).put("height", 1).put("added", "2025-01-01T00:00:00Z");
        Files.writeString(otherJson, json.toString());

        ConceptStore reloaded = new ConceptStore(data, ClipTokenizer.loadDefault(), decoder, WIDTH);

        assertThat(reloaded.list()).extracting(Concept::id).containsExactly("good", "other");
        assertThat(reloaded.get(other.id()).references()).isEmpty();
        assertThatThrownBy(() -> reloaded.referenceFile("other", "../../good/concept.json"))
                .isInstanceOf(NotFoundException.class);
    }

    @Test
    void uploadsStoreGoodFilesAsNormalizedPngsAndReportBadOnes() throws IOException {
        ConceptStore store = store();
        store.create("Dog", "<dog>", "dog", 1);

        List<UploadResult> results = store.addReferences("dog", List.of(
                upload("a.jpg", TestImages.withExifOrientation(TestImages.jpeg(TestImages.quadrants()), 6)),
                upload("notes.png", "not a picture".getBytes()),
                upload("c.webp", TestImages.resource("quadrants-lossless.webp"))));

        assertThat(results).extracting(UploadResult::name).containsExactly("a.jpg", "notes.png", "c.webp");
        assertThat(results).extracting(UploadResult::ok).containsExactly(true, false, true);
        assertThat(results.get(1).error()).isEqualTo("unsupported image format: expected PNG, JPEG or WebP (found text)");
        Concept.ReferenceImage first = results.get(0).stored();
        assertThat(first.file()).isEqualTo("ref-001.png");
        assertThat(first.originalName()).isEqualTo("a.jpg");
        assertThat(first.format()).isEqualTo("jpeg");
        assertThat(first.width()).isEqualTo(32);
        assertThat(first.height()).isEqualTo(48);
        assertThat(results.get(2).stored().file()).isEqualTo("ref-002.png");

        byte[] stored = Files.readAllBytes(store.referenceFile("dog", "ref-001.png"));
        assertThat(ImageDecoder.sniff(stored)).isEqualTo(ImageDecoder.Format.PNG);
        assertThat(TestImages.quadrantColors(TestImages.read(stored))).isEqualTo("BR/KG");
        assertThat(store.get("dog").references()).extracting(Concept.ReferenceImage::file)
                .containsExactly("ref-001.png", "ref-002.png");
        assertThat(filesUnder(data.resolve("concepts/dog/references"))).containsExactly("ref-001.png", "ref-002.png");
    }

    @Test
    void allBadUploadsStoreNothing() throws IOException {
        ConceptStore store = store();
        store.create("Dog", "<dog>", "dog", 1);
        byte[] png = TestImages.png(TestImages.quadrants());

        List<UploadResult> results = store.addReferences("dog", List.of(
                upload("cut.png", java.util.Arrays.copyOf(png, png.length / 2)),
                upload("bomb.png", TestImages.pngDeclaring(20000, 20000, TestImages.deflate(new byte[10])))));

        assertThat(results).noneMatch(UploadResult::ok);
        assertThat(results.get(1).error()).startsWith("image is 20000x20000");
        assertThat(store.get("dog").references()).isEmpty();
        assertThat(filesUnder(data.resolve("concepts/dog"))).containsExactly("concept.json");
    }

    @Test
    void uploadedNamesAreNeverPaths() throws IOException {
        ConceptStore store = store();
        store.create("Dog", "<dog>", "dog", 1);
        byte[] png = TestImages.png(TestImages.quadrants());

        List<UploadResult> results = store.addReferences("dog", List.of(
                upload("../../etc/passwd.png", png),
                upload("..\\..\\windows\\win.ini", png),
                upload("/abs/x.png\u0000.jpg", png),
                upload(null, png)));

        assertThat(results).extracting(r -> r.stored().file())
                .containsExactly("ref-001.png", "ref-002.png", "ref-003.png", "ref-004.png");
        assertThat(results).extracting(r -> r.stored().originalName())
                .containsExactly("passwd.png", "win.ini", "x.png.jpg", "file 4");
        assertThat(filesUnder(data)).allMatch(p -> p.equals("concept.json") || p.matches("ref-00\\d\\.png"));
        assertThat(data.resolve("concepts/etc")).doesNotExist();
    }

    @Test
    void removedReferenceNumbersAreNotReused() throws IOException {
        ConceptStore store = store();
        store.create("Dog", "<dog>", "dog", 1);
        byte[] png = TestImages.png(TestImages.quadrants());
        store.addReferences("dog", List.of(upload("a.png", png), upload("b.png", png)));

        Concept after = store.removeReference("dog", "ref-002.png");

        assertThat(after.references()).extracting(Concept.ReferenceImage::file).containsExactly("ref-001.png");
        assertThat(data.resolve("concepts/dog/references/ref-002.png")).doesNotExist();
        assertThatThrownBy(() -> store.referenceFile("dog", "ref-002.png")).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> store.removeReference("dog", "concept.json"))
                .isInstanceOf(NotFoundException.class)
                .hasMessage("concept 'dog' has no reference image 'concept.json'");
        assertThat(store.addReferences("dog", List.of(upload("c.png", png))).get(0).stored().file())
                .isEqualTo("ref-003.png");
        assertThat(new ConceptStore(data, ClipTokenizer.loadDefault(), decoder, WIDTH).get("dog").nextReference())
                .isEqualTo(4);
    }

    @Test
    void deleteRemovesTheFolderAndTheEmbeddingCopy() throws IOException {
        ConceptStore store = store();
        store.create("Dog", "<dog>", "dog", 1);
        store.addReferences("dog", List.of(upload("a.png", TestImages.png(TestImages.quadrants()))));
        try (NDManager manager = NDManager.newBaseManager()) {
            store.saveEmbedding("dog", manager.ones(new Shape(1, WIDTH)), "training", null, 100);
        }
        assertThat(data.resolve("embeddings/dog.safetensors")).exists();

        store.delete("dog");

        assertThat(data.resolve("concepts/dog")).doesNotExist();
        assertThat(data.resolve("embeddings/dog.safetensors")).doesNotExist();
        assertThat(filesUnder(data.resolve("concepts"))).isEmpty();
        assertThatThrownBy(() -> store.get("dog")).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> store.delete("dog")).isInstanceOf(NotFoundException.class);
        assertThat(store.create("Dog", "<dog>", "dog", 1).id()).isEqualTo("dog");
    }

    @Test
    void embeddingsAreStoredInBothLayoutsAndImported() throws IOException {
        ConceptStore store = store();
        store.create("Dog", "<dog>", "dog", 1);
        assertThatThrownBy(() -> store.embeddingFile("dog", EmbeddingFiles.Format.DIFFUSERS))
                .isInstanceOf(NotFoundException.class)
                .hasMessage("concept 'dog' has no embedding yet: train it or import one");

        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray vectors = manager.randomNormal(new Shape(2, WIDTH));
            Path elsewhere = data.resolveSibling("elsewhere.safetensors");
            SafetensorsWriter.write(elsewhere, Map.of("emb_params", vectors), Map.of("step", "1500"));

            Concept concept = store.importEmbedding("dog", elsewhere, "C:\\Users\\me\\dog-emb.safetensors");

            assertThat(concept.vectors()).isEqualTo(2);
            assertThat(concept.embedding().vectors()).isEqualTo(2);
            assertThat(concept.embedding().width()).isEqualTo(WIDTH);
            assertThat(concept.embedding().source()).isEqualTo("import");
            assertThat(concept.embedding().originalName()).isEqualTo("dog-emb.safetensors");
            assertThat(concept.embedding().step()).isEqualTo(1500);
            assertThat(tokenizer.placeholders()).containsSequence("<dog>", "<dog>_1");
            Path diffusers = store.embeddingFile("dog", EmbeddingFiles.Format.DIFFUSERS);
            assertThat(diffusers).isEqualTo(data.resolve("concepts/dog/embedding.safetensors"));
            try (SafetensorsFile st = SafetensorsFile.open(diffusers)) {
                assertThat(st.keys()).containsExactly("<dog>");
                assertThat(st.load("<dog>", manager).toFloatArray()).containsExactly(vectors.toFloatArray());
            }
            Path a1111 = store.embeddingFile("dog", EmbeddingFiles.Format.A1111);
            assertThat(a1111).isEqualTo(data.resolve("embeddings/dog.safetensors"));

            Files.delete(a1111); // a user tidying the embeddings folder
            Path restored = store.embeddingFile("dog", EmbeddingFiles.Format.A1111);
            try (SafetensorsFile st = SafetensorsFile.open(restored)) {
                assertThat(st.load("emb_params", manager).toFloatArray()).containsExactly(vectors.toFloatArray());
            }

            Path wide = data.resolveSibling("wide.safetensors");
            SafetensorsWriter.write(wide, Map.of("<x>", manager.ones(new Shape(1, WIDTH * 2))), Map.of());
            assertThatThrownBy(() -> store.importEmbedding("dog", wide, "wide.safetensors"))
                    .isInstanceOf(EmbeddingFileException.class)
                    .hasMessageStartingWith("wide.safetensors: vectors are 16 wide but this text encoder's width is 8");
            assertThat(store.get("dog").embedding().originalName()).isEqualTo("dog-emb.safetensors");
        }
    }

    private static List<String> filesUnder(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            return paths.filter(Files::isRegularFile).map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
