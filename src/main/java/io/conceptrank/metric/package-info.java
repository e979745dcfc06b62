/**
 * Ranking a generated batch: the built-in metric plugins and the ranker.
 *
 * <ul>
 *   <li>{@code subject-context} ({@link io.conceptrank.metric.SubjectContextScore}): CLIP cosine of the image
 *       and the prompt with the learned vectors spliced in for the placeholder; the project's metric.</li>
 *   <li>{@code clip-i}, {@code clip-t} and {@code clip-i-t-hmean}: the baselines (mean cosine to the
 *       references, cosine to the prompt with the class word, and their harmonic mean, which is the
 *       smaller cosine where either is not positive).</li>
 * </ul>
 * The built-ins implement the same {@link io.conceptrank.plugin.spi.MetricPlugin} SPI as external
 * plugins and are listed for {@link java.util.ServiceLoader}. {@link io.conceptrank.metric.Ranker}
 * runs every metric on one {@link io.conceptrank.metric.ClipScoringSession} (which caches embeddings
 * for the call) and orders the batch by the chosen one. The seed's evaluation protocol and the
 * meta-evaluation of the metrics against known truth live in {@code io.conceptrank.metric.eval}.
 */
package io.conceptrank.metric;
