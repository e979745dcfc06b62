package io.conceptrank.web;

import io.conceptrank.config.UploadProperties;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.multipart.MaxUploadSizeExceededException;
import org.springframework.web.multipart.MultipartException;

/**
 * Multipart failures happen while the request is parsed, before any controller runs; this says which
 * limit was hit in the usual {@code {error, detail}} form. Ahead of {@link ApiExceptionHandler}, whose
 * catch-all would otherwise take them.
 */
@RestControllerAdvice
@Order(Ordered.HIGHEST_PRECEDENCE)
public class UploadLimitAdvice {

    private final UploadProperties uploads;

    public UploadLimitAdvice(UploadProperties uploads) {
        this.uploads = uploads;
    }

    @ExceptionHandler(MaxUploadSizeExceededException.class)
    public ResponseEntity<ApiError> tooLarge(MaxUploadSizeExceededException e) {
        HttpStatus status = HttpStatus.CONTENT_TOO_LARGE;
        return ResponseEntity.status(status).body(new ApiError(status.getReasonPhrase(),
                "upload too large: each file may have at most " + human(uploads.maxBytes().toBytes())
                        + " (conceptrank.uploads.max-bytes), and one request at most " + uploads.maxFiles()
                        + " such files; nothing was stored"));
    }

    @ExceptionHandler(MultipartException.class)
    public ResponseEntity<ApiError> malformed(MultipartException e) {
        Throwable cause = e.getMostSpecificCause();
        return ResponseEntity.badRequest().body(new ApiError(HttpStatus.BAD_REQUEST.getReasonPhrase(),
                "could not read the multipart request: " + cause.getMessage()));
    }

    static String human(long bytes) {
        if (bytes % (1024 * 1024) == 0) {
            return bytes / (1024 * 1024) + " MB";
        }
        if (bytes % 1024 == 0) {
            return bytes / 1024 + " KB";
        }
        return bytes + " bytes";
    }
}
