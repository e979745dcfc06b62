package io.conceptrank.web;

import io.conceptrank.concept.Concept;
import io.conceptrank.concept.ConceptStore;
import io.conceptrank.concept.ConceptStore.Upload;
import io.conceptrank.concept.ConceptStore.UploadResult;
import io.conceptrank.config.UploadProperties;
import io.conceptrank.training.EmbeddingFiles;
import io.swagger.v3.oas.annotations.Operation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.springframework.core.io.FileSystemResource;
import org.springframework.core.io.Resource;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;

/**
 * Concepts, their reference pictures and their embeddings. Uploads of several pictures answer per file:
 * 201 when all were stored, 207 Multi-Status when some were refused (the good ones are stored), 400 when
 * none was stored.
 */
@RestController
@RequestMapping("/api/concepts")
public class ConceptController {

    /** Request body of {@code POST /api/concepts}; {@code vectors} defaults to 1. */
    public record CreateConceptRequest(String name, String placeholder, String initializer, Integer vectors) {}

    /** One file of an upload: {@code stored} with its reference entry, or {@code rejected} with the reason. */
    public record FileResult(String name, String status, Concept.ReferenceImage reference, String error) {

        static FileResult of(UploadResult result) {
            return result.ok()
                    ? new FileResult(result.name(), "stored", result.stored(), null)
                    : new FileResult(result.name(), "rejected", null, result.error());
        }
    }

    /** Answer of an upload; {@code error} and {@code detail} are set only when nothing was stored. */
    public record UploadResponse(String error, String detail, int stored, int rejected, List<FileResult> files) {}

    private final ConceptStore store;
    private final UploadProperties uploads;

    public ConceptController(ConceptStore store, UploadProperties uploads) {
        this.store = store;
        this.uploads = uploads;
    }

    @PostMapping
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(summary = "Create a concept: name, placeholder token (e.g. <my-dog>), initializer word(s), vectors per token")
    public Concept create(@RequestBody CreateConceptRequest request) {
        return store.create(request.name(), request.placeholder(), request.initializer(), request.vectors());
    }

    @GetMapping
    @Operation(summary = "All concepts, oldest first")
    public List<Concept> list() {
        return store.list();
    }

    @GetMapping("/{id}")
    @Operation(summary = "One concept with its reference images and embedding state")
    public Concept get(@PathVariable String id) {
        return store.get(id);
    }

    @DeleteMapping("/{id}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    @Operation(summary = "Delete a concept with its pictures and embedding files")
    public void delete(@PathVariable String id) {
        store.delete(id);
    }

    @PostMapping(path = "/{id}/references", consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    @Operation(summary = "Upload reference pictures (PNG, JPEG or WebP) in the multipart field 'files'; answers per file")
    public ResponseEntity<UploadResponse> upload(@PathVariable String id,
            @RequestParam(name = "files", required = false) List<MultipartFile> files) {
        if (files == null || files.isEmpty()) {
            throw new IllegalArgumentException("no file received: send the pictures in the multipart field 'files'");
        }
        if (files.size() > uploads.maxFiles()) {
            throw new IllegalArgumentException("at most " + uploads.maxFiles() + " files per upload, got " + files.size()
                    + " (conceptrank.uploads.max-files)");
        }
        List<Upload> batch = files.stream().map(f -> new Upload(f.getOriginalFilename(), f::getBytes)).toList();
        List<FileResult> results = store.addReferences(id, batch).stream().map(FileResult::of).toList();
        int stored = (int) results.stream().filter(r -> r.reference() != null).count();
        int rejected = results.size() - stored;
        if (stored == 0) {
            String detail = "no file was stored: " + results.stream()
                    .map(r -> r.name() + ": " + r.error()).collect(Collectors.joining("; "));
            return ResponseEntity.badRequest()
                    .body(new UploadResponse(HttpStatus.BAD_REQUEST.getReasonPhrase(), detail, 0, rejected, results));
        }
        HttpStatus status = rejected == 0 ? HttpStatus.CREATED : HttpStatus.MULTI_STATUS;
        return ResponseEntity.status(status).body(new UploadResponse(null, null, stored, rejected, results));
    }

    @GetMapping("/{id}/references/{file}")
    @Operation(summary = "A stored reference picture (PNG)")
    public ResponseEntity<Resource> reference(@PathVariable String id, @PathVariable String file) {
        Path png = store.referenceFile(id, file);
        return ResponseEntity.ok().contentType(MediaType.IMAGE_PNG).body(new FileSystemResource(png));
    }

    @DeleteMapping("/{id}/references/{file}")
    @Operation(summary = "Remove one reference picture; answers the updated concept")
    public Concept removeReference(@PathVariable String id, @PathVariable String file) {
        return store.removeReference(id, file);
    }

    @GetMapping("/{id}/embedding")
    @Operation(summary = "Download the embedding: format=a1111 ({emb_params: [n, dim]}, the default) or diffusers ({token: [n, dim]})")
    public ResponseEntity<Resource> embedding(@PathVariable String id,
            @RequestParam(defaultValue = "a1111") String format) throws IOException {
        EmbeddingFiles.Format layout = EmbeddingFiles.Format.parse(format);
        Path file = store.embeddingFile(id, layout);
        // A1111 takes the trigger word from the file name.
        String name = layout == EmbeddingFiles.Format.A1111 ? id + ".safetensors" : id + "-learned_embeds.safetensors";
        return ResponseEntity.ok()
                .contentType(MediaType.APPLICATION_OCTET_STREAM)
                .header(HttpHeaders.CONTENT_DISPOSITION, ContentDisposition.attachment().filename(name).build().toString())
                .body(new FileSystemResource(file));
    }

    @PostMapping(path = "/{id}/embedding", consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    @Operation(summary = "Import an embedding (.safetensors, diffusers or A1111 layout) in the multipart field 'file'")
    public Concept importEmbedding(@PathVariable String id,
            @RequestParam(name = "file", required = false) MultipartFile file) throws IOException {
        if (file == null) {
            throw new IllegalArgumentException("no file received: send the .safetensors file in the multipart field 'file'");
        }
        if (file.isEmpty()) {
            throw new IllegalArgumentException(file.getOriginalFilename() + ": file is empty");
        }
        store.get(id);
        Path tmp = Files.createTempFile("conceptrank-embedding-", ".safetensors");
        try {
            file.transferTo(tmp);
            return store.importEmbedding(id, tmp, file.getOriginalFilename());
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
