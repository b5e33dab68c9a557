package io.borealis.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.borealis.common.Metrics;
import io.borealis.http.Json;
import io.borealis.model.InstanceKey;
import io.borealis.model.SlaPolicy;
import io.borealis.model.TaskConfig;
import io.borealis.update.SlaCoordinator;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks an SLA coordinator as Aurora did (aurora-semantics §3.6): a POST to the policy's URL with
 * {@code ?task=<cluster>/<role>/<env>/<name>/<instance>} and a JSON body naming the task ({@code
 * task}, {@code task_id}) with its configuration as the API shows it ({@code taskConfig}); the kill
 * may go ahead when the answer is a 200 whose JSON object holds {@code true} at the policy's status
 * key. Anything else (another status, no such key, a timeout) means "not now".
 */
final class HttpSlaCoordinator implements SlaCoordinator {

  private static final Logger LOG = LoggerFactory.getLogger(HttpSlaCoordinator.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String cluster;
  private final Duration timeout;
  private final HttpClient client;

  /** Aurora's sla_coordinator_* counters: questions, answers read, no answer, a refusal. */
  private final Metrics.Counter attempts;

  private final Metrics.Counter success;
  private final Metrics.Counter errors;
  private final Metrics.Counter userErrors;

  HttpSlaCoordinator(String cluster, Duration timeout, Metrics metrics) {
    this.cluster = cluster;
    this.timeout = timeout;
    this.client = HttpClient.newBuilder().connectTimeout(timeout).build();
    this.attempts = metrics.counter("sla_coordinator_attempts");
    this.success = metrics.counter("sla_coordinator_success");
    this.errors = metrics.counter("sla_coordinator_errors");
    this.userErrors = metrics.counter("sla_coordinator_user_errors");
  }

  @Override
  public CompletionStage<Boolean> allows(
      SlaPolicy.Coordinator policy, InstanceKey instance, String taskId, TaskConfig config) {
    String task = cluster + "/" + instance;
    String body;
    try {
      ObjectNode json = JSON.createObjectNode();
      json.put("task", task);
      json.put("task_id", taskId);
      json.set("taskConfig", Json.taskConfig(config));
      body = JSON.writeValueAsString(json);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    String separator = policy.coordinatorUrl().contains("?") ? "&" : "?";
    HttpRequest request =
        HttpRequest.newBuilder(
                URI.create(
                    policy.coordinatorUrl()
                        + separator
                        + "task="
                        + URLEncoder.encode(task, StandardCharsets.UTF_8)))
            .timeout(timeout)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    attempts.increment();
    return client
        .sendAsync(request, HttpResponse.BodyHandlers.ofString())
        .handle(
            (response, error) -> {
              if (error != null) {
                LOG.warn(
                    "The SLA coordinator {} did not answer for {}: {}",
                    policy.coordinatorUrl(),
                    task,
                    error.getMessage());
                errors.increment();
                return false;
              }
              if (response.statusCode() != 200) {
                userErrors.increment();
                LOG.warn(
                    "The SLA coordinator {} answered {} for {}",
                    policy.coordinatorUrl(),
                    response.statusCode(),
                    task);
                return false;
              }
              try {
                JsonNode answer = JSON.readTree(response.body()).get(policy.statusKey());
                if (answer == null || !answer.isBoolean()) {
                  userErrors.increment();
                  LOG.warn(
                      "The SLA coordinator {} answered without true or false at \"{}\" for {}",
                      policy.coordinatorUrl(),
                      policy.statusKey(),
                      task);
                  return false;
                }
                success.increment();
                return answer.booleanValue();
              } catch (java.io.IOException e) {
                userErrors.increment();
                LOG.warn(
                    "The SLA coordinator {} answered something that is not JSON for {}",
                    policy.coordinatorUrl(),
                    task);
                return false;
              }
            });
  }
}
