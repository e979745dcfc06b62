package io.conceptrank.web;

import io.conceptrank.NotFoundException;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.ErrorResponse;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import tools.jackson.core.JacksonException;

/** Turns every exception into {@code {"error", "detail"}} JSON with a fitting status; never a stack trace. */
@RestControllerAdvice
public class ApiExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ApiExceptionHandler.class);

    @ExceptionHandler(IllegalArgumentException.class)
    public ResponseEntity<ApiError> badRequest(IllegalArgumentException e) {
        return answer(HttpStatus.BAD_REQUEST, e.getMessage());
    }

    @ExceptionHandler(NotFoundException.class)
    public ResponseEntity<ApiError> notFound(NotFoundException e) {
        return answer(HttpStatus.NOT_FOUND, e.getMessage());
    }

    @ExceptionHandler(MethodArgumentNotValidException.class)
    public ResponseEntity<ApiError> invalidBody(MethodArgumentNotValidException e) {
        String detail = e.getBindingResult().getFieldErrors().stream()
                .map(f -> f.getField() + ": " + f.getDefaultMessage())
                .collect(Collectors.joining("; "));
        return answer(HttpStatus.BAD_REQUEST, detail.isEmpty() ? "invalid request body" : detail);
    }

    /** Not JSON, or JSON that does not fit the request type; Spring MVC gives no status of its own for it. */
    @ExceptionHandler(HttpMessageNotReadableException.class)
    public ResponseEntity<ApiError> unreadableBody(HttpMessageNotReadableException e) {
        Throwable cause = e.getMostSpecificCause();
        String reason = cause instanceof JacksonException json ? json.getOriginalMessage() : cause.getMessage();
        return answer(HttpStatus.BAD_REQUEST, "request body could not be read: " + reason);
    }

    @ExceptionHandler(Exception.class)
    public ResponseEntity<ApiError> other(Exception e) {
        // Spring MVC's own exceptions (unknown path, wrong method, unreadable body...) carry their status.
        if (e instanceof ErrorResponse spring) {
            HttpStatusCode status = spring.getStatusCode();
            String detail = spring.getBody().getDetail();
            return ResponseEntity.status(status).headers(spring.getHeaders()).body(new ApiError(title(status), detail));
        }
        log.error("Request failed", e);
        String detail = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        return answer(HttpStatus.INTERNAL_SERVER_ERROR, detail);
    }

    private static ResponseEntity<ApiError> answer(HttpStatus status, String detail) {
        return ResponseEntity.status(status).body(new ApiError(title(status), detail));
    }

    private static String title(HttpStatusCode status) {
        HttpStatus known = HttpStatus.resolve(status.value());
        return known != null ? known.getReasonPhrase() : "HTTP " + status.value();
    }
}
