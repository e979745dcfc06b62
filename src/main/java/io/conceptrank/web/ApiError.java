package io.conceptrank.web;

/** Body of every error answer: a short title (the HTTP reason) and what went wrong. */
public record ApiError(String error, String detail) {
}
