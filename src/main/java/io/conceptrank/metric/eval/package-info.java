/**
 * Evaluating concepts and metrics: the seed's three-experiment protocol for a plain-TI and a KL-TI
 * concept of one subject ({@link io.conceptrank.metric.eval.EvaluationProtocol}), and the
 * meta-evaluation of every metric against candidates of known truth
 * ({@link io.conceptrank.metric.eval.MetaEvaluation}). Both take the model as a
 * {@link io.conceptrank.metric.eval.SessionFactory} and the images as inputs, so the same code runs on
 * the toy world, on the test fixtures and on real Stable Diffusion models; both write JSON and a
 * readable Markdown report.
 */
package io.conceptrank.metric.eval;
