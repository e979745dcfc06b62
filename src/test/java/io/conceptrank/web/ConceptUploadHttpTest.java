package io.conceptrank.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.conceptrank.concept.TestImages;
import java.awt.image.BufferedImage;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Reference uploads over HTTP, one test per kind of input; every refusal is a 4xx that stores nothing. */
class ConceptUploadHttpTest extends ConceptServerTest {

    private HttpResponse<String> upload(String id, Multipart form) throws Exception {
        return send(form, "/api/concepts/" + id + "/references");
    }

    private static Multipart one(String name, String type, byte[] bytes) {
        return new Multipart().file("files", name, type, bytes);
    }

    /** The stored picture, fetched back over HTTP. */
    private BufferedImage stored(String id, String file) throws Exception {
        HttpResponse<byte[]> response = getBytes("/api/concepts/" + id + "/references/" + file);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("image/png");
        return TestImages.read(response.body());
    }

    /** Checks the 400 answer and that the concept is untouched; answers the detail. */
    private String refusedWithNothingStored(String id, HttpResponse<String> response) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        JsonNode body = body(response);
        assertThat(body.path("error").asString()).isEqualTo("Bad Request");
        assertThat(body.path("stored").asInt()).isZero();
        assertThat(body.path("files").get(0).path("status").asString()).isEqualTo("rejected");
        assertThat(body(get("/api/concepts/" + id)).path("references")).isEmpty();
        assertThat(filesOf(id)).containsExactly("concept.json");
        return body.path("detail").asString();
    }

    @Test
    void pngJpegAndWebpAreStoredAsUprightRgbPngs() throws Exception {
        String id = newConcept();
        HttpResponse<String> response = upload(id, new Multipart()
                .file("files", "a.png", "image/png", TestImages.png(TestImages.quadrants()))
                .file("files", "b.jpg", "image/jpeg", TestImages.jpeg(TestImages.quadrants()))
                .file("files", "c.webp", "image/webp", TestImages.resource("quadrants-lossy.webp")));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        JsonNode body = body(response);
        assertThat(body.path("stored").asInt()).isEqualTo(3);
        assertThat(body.path("rejected").asInt()).isZero();
        assertThat(body.path("error").isNull()).isTrue();
        assertThat(body.path("files").findValuesAsString("status")).containsExactly("stored", "stored", "stored");
        assertThat(body.path("files").findValuesAsString("file")).containsExactly("ref-001.png", "ref-002.png", "ref-003.png");
        assertThat(body.path("files").get(2).path("reference").path("format").asString()).isEqualTo("webp");
        for (String file : new String[] {"ref-001.png", "ref-002.png", "ref-003.png"}) {
            assertThat(TestImages.quadrantColors(stored(id, file))).as(file).isEqualTo("RG/BK");
        }
        assertThat(filesOf(id)).containsExactly("concept.json",
                "references/ref-001.png", "references/ref-002.png", "references/ref-003.png");
        assertThat(body(get("/api/concepts/" + id)).path("references").findValuesAsString("originalName"))
                .containsExactly("a.png", "b.jpg", "c.webp");
    }

    @Test
    void formatIsSniffedFromTheContentNotTheNameOrContentType() throws Exception {
        String id = newConcept();
        HttpResponse<String> response = upload(id, one("photo.gif", "application/octet-stream",
                TestImages.jpeg(TestImages.quadrants())));

        assertThat(response.statusCode()).isEqualTo(201);
        assertThat(body(response).path("files").get(0).path("reference").path("format").asString()).isEqualTo("jpeg");
    }

    @Test
    void cmykJpegIsStoredAsRgb() throws Exception {
        String id = newConcept();
        assertThat(upload(id, one("print.jpg", "image/jpeg", TestImages.cmykJpeg())).statusCode()).isEqualTo(201);

        BufferedImage image = stored(id, "ref-001.png");
        assertThat(image.getColorModel().getNumComponents()).isEqualTo(3);
        assertThat(TestImages.quadrantColors(image)).isEqualTo("CM/YK");
    }

    @Test
    void grayscaleJpegIsStoredAsRgb() throws Exception {
        String id = newConcept();
        assertThat(upload(id, one("gray.jpg", "image/jpeg", TestImages.grayJpeg())).statusCode()).isEqualTo(201);

        BufferedImage image = stored(id, "ref-001.png");
        assertThat(image.getColorModel().getNumComponents()).isEqualTo(3);
        int left = image.getRGB(10, 10) & 0xff;
        int right = image.getRGB(40, 20) & 0xff;
        assertThat(left).isBetween(47, 53);
        assertThat(right).isBetween(197, 203);
    }

    @Test
    void exifOrientationIsHonoured() throws Exception {
        String id = newConcept();
        byte[] turned = TestImages.withExifOrientation(TestImages.jpeg(TestImages.quadrants()), 6);

        HttpResponse<String> response = upload(id, one("phone.jpg", "image/jpeg", turned));

        assertThat(response.statusCode()).isEqualTo(201);
        JsonNode reference = body(response).path("files").get(0).path("reference");
        assertThat(reference.path("width").asInt()).isEqualTo(32);
        assertThat(reference.path("height").asInt()).isEqualTo(48);
        assertThat(TestImages.quadrantColors(stored(id, "ref-001.png"))).isEqualTo("BR/KG");
    }

    @Test
    void webpLosslessWithAlphaIsStoredOnWhite() throws Exception {
        String id = newConcept();
        assertThat(upload(id, one("a.webp", "image/webp", TestImages.resource("quadrants-alpha.webp"))).statusCode())
                .isEqualTo(201);
        assertThat(TestImages.quadrantColors(stored(id, "ref-001.png"))).isEqualTo("RG/BW");
    }

    @Test
    void truncatedPngIsRefused() throws Exception {
        String id = newConcept();
        byte[] png = TestImages.png(TestImages.quadrants());
        byte[] cut = Arrays.copyOf(png, png.length / 2);
        assertThat(refusedWithNothingStored(id, upload(id, one("cut.png", "image/png", cut)))).isEqualTo(
                "no file was stored: cut.png: file is truncated or corrupt");
    }

    @Test
    void truncatedJpegIsRefused() throws Exception {
        String id = newConcept();
        byte[] jpeg = TestImages.jpeg(TestImages.quadrants());
        byte[] cut = Arrays.copyOf(jpeg, jpeg.length * 3 / 4);
        assertThat(refusedWithNothingStored(id, upload(id, one("cut.jpg", "image/jpeg", cut)))).isEqualTo(
                "no file was stored: cut.jpg: file is truncated or corrupt");
    }

    @Test
    void randomBytesAreRefused() throws Exception {
        String id = newConcept();
        byte[] random = new byte[4096];
        new Random(3).nextBytes(random);
        random[0] = 0x01;
        assertThat(refusedWithNothingStored(id, upload(id, one("noise.png", "image/png", random)))).isEqualTo(
                "no file was stored: noise.png: unsupported image format: expected PNG, JPEG or WebP"
                        + " (found unknown data starting with 01 " + hex(random, 1, 8) + ")");
    }

    @Test
    void textFileNamedPngIsRefused() throws Exception {
        String id = newConcept();
        byte[] text = "<html>hello</html>".getBytes();
        assertThat(refusedWithNothingStored(id, upload(id, one("cat.png", "image/png", text)))).isEqualTo(
                "no file was stored: cat.png: unsupported image format: expected PNG, JPEG or WebP (found text)");
    }

    @Test
    void smallFileDeclaringAHugeImageIsRefusedBeforeDecoding() throws Exception {
        String id = newConcept();
        byte[] bomb = TestImages.pngDeclaring(20000, 20000, TestImages.deflate(new byte[60001]));
        assertThat(refusedWithNothingStored(id, upload(id, one("bomb.png", "image/png", bomb)))).isEqualTo(
                "no file was stored: bomb.png: image is 20000x20000 (400.0 megapixels); the limit is 40.0 megapixels"
                        + " (conceptrank.uploads.max-pixels)");
    }

    @Test
    void fileOverTheByteLimitIsRefusedWith413() throws Exception {
        String id = newConcept();
        byte[] big = TestImages.png(noise(300, 300));
        assertThat(big.length).isGreaterThan(MAX_BYTES);

        HttpResponse<String> response = upload(id, one("big.png", "image/png", big));

        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(body(response).path("detail").asString()).isEqualTo("upload too large: each file may have at most"
                + " 256 KB (conceptrank.uploads.max-bytes), and one request at most 4 such files; nothing was stored");
        assertThat(filesOf(id)).containsExactly("concept.json");
    }

    @Test
    void maliciousFileNameIsOnlyMetadata() throws Exception {
        String id = newConcept();
        HttpResponse<String> response = upload(id, one("../../etc/passwd.png", "image/png",
                TestImages.png(TestImages.quadrants())));

        assertThat(response.statusCode()).isEqualTo(201);
        JsonNode reference = body(response).path("files").get(0).path("reference");
        assertThat(reference.path("file").asString()).isEqualTo("ref-001.png");
        assertThat(reference.path("originalName").asString()).isEqualTo("passwd.png");
        assertThat(filesOf(id)).containsExactly("concept.json", "references/ref-001.png");
        assertThat(DATA.resolve("concepts/etc")).doesNotExist();
        assertThat(DATA.resolve("etc")).doesNotExist();
    }

    @Test
    void mixedBatchStoresTheGoodFilesAndAnswers207() throws Exception {
        String id = newConcept();
        HttpResponse<String> response = upload(id, new Multipart()
                .file("files", "good.png", "image/png", TestImages.png(TestImages.quadrants()))
                .file("files", "notes.txt", "text/plain", "shopping list".getBytes())
                .file("files", "good.jpg", "image/jpeg", TestImages.jpeg(TestImages.quadrants())));

        assertThat(response.statusCode()).isEqualTo(207);
        JsonNode body = body(response);
        assertThat(body.path("stored").asInt()).isEqualTo(2);
        assertThat(body.path("rejected").asInt()).isEqualTo(1);
        assertThat(body.path("error").isNull()).isTrue();
        JsonNode bad = body.path("files").get(1);
        assertThat(bad.path("name").asString()).isEqualTo("notes.txt");
        assertThat(bad.path("status").asString()).isEqualTo("rejected");
        assertThat(bad.path("error").asString()).isEqualTo("unsupported image format: expected PNG, JPEG or WebP (found text)");
        assertThat(filesOf(id)).containsExactly("concept.json", "references/ref-001.png", "references/ref-002.png");
    }

    @Test
    void tooManyFilesOrNoneAreRefused() throws Exception {
        String id = newConcept();
        byte[] png = TestImages.png(TestImages.quadrants());
        Multipart five = new Multipart();
        for (int i = 0; i < 5; i++) {
            five.file("files", i + ".png", "image/png", png);
        }
        HttpResponse<String> tooMany = upload(id, five);
        assertThat(tooMany.statusCode()).isEqualTo(400);
        assertThat(body(tooMany).path("detail").asString())
                .isEqualTo("at most 4 files per upload, got 5 (conceptrank.uploads.max-files)");

        HttpResponse<String> wrongField = upload(id, one("a.png", "image/png", png).file("image", "b.png", "image/png", png)
                .file("other", "c.png", "image/png", png));
        // "a.png" came in the right field; the rest are ignored.
        assertThat(wrongField.statusCode()).isEqualTo(201);
        HttpResponse<String> none = upload(id, new Multipart().file("image", "b.png", "image/png", png));
        assertThat(none.statusCode()).isEqualTo(400);
        assertThat(body(none).path("detail").asString())
                .isEqualTo("no file received: send the pictures in the multipart field 'files'");
        assertThat(filesOf(id)).containsExactly("concept.json", "references/ref-001.png");
    }

    @Test
    void uploadToUnknownConceptIs404() throws Exception {
        HttpResponse<String> response = upload("no-such-concept", one("a.png", "image/png", TestImages.png(TestImages.quadrants())));
        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(body(response).path("detail").asString()).isEqualTo("no concept with id 'no-such-concept'");
    }

    @Test
    void referencesAreServedAndRemovedOnlyByTheirListedNames() throws Exception {
        String id = newConcept();
        byte[] png = TestImages.png(TestImages.quadrants());
        upload(id, new Multipart().file("files", "a.png", "image/png", png).file("files", "b.png", "image/png", png));

        assertThat(get("/api/concepts/" + id + "/references/concept.json").statusCode()).isEqualTo(404);
        assertThat(get("/api/concepts/" + id + "/references/..%2Fconcept.json").statusCode()).isIn(400, 404);
        assertThat(get("/api/concepts/" + id + "/references/ref-999.png").statusCode()).isEqualTo(404);

        HttpResponse<String> removed = delete("/api/concepts/" + id + "/references/ref-001.png");
        assertThat(removed.statusCode()).isEqualTo(200);
        assertThat(body(removed).path("references").findValuesAsString("file")).containsExactly("ref-002.png");
        assertThat(get("/api/concepts/" + id + "/references/ref-001.png").statusCode()).isEqualTo(404);
        assertThat(delete("/api/concepts/" + id + "/references/ref-001.png").statusCode()).isEqualTo(404);
        assertThat(Files.exists(DATA.resolve("concepts").resolve(id).resolve("references/ref-001.png"))).isFalse();
        assertThat(stored(id, "ref-002.png").getWidth()).isEqualTo(48);
    }

    private static String hex(byte[] bytes, int from, int to) {
        StringBuilder out = new StringBuilder();
        for (int i = from; i < to; i++) {
            out.append(i > from ? " " : "").append(String.format("%02x", bytes[i] & 0xff));
        }
        return out.toString();
    }

    private static BufferedImage noise(int width, int height) {
        Random random = new Random(11);
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, random.nextInt(1 << 24));
            }
        }
        return image;
    }
}
