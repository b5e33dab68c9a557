package io.borealis.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Keeps {@code borealis/openapi.json} and the route table in step: every route is documented, every
 * documented operation is a route, and the document is well formed.
 */
class OpenApiTest {

  private static final Set<String> METHODS =
      Set.of("get", "put", "post", "delete", "options", "head", "patch", "trace");
  private static final Pattern PATH_PARAM = Pattern.compile("\\{([^}]+)}");

  private static RouteFixture fixture;
  private static Api api;
  private static JsonNode doc;

  @BeforeAll
  static void setUp() throws IOException {
    // Listing and matching routes touches none of the services: they may be absent.
    fixture = RouteFixture.start("openapi-test");
    api = fixture.api();
    try (InputStream in = OpenApiTest.class.getResourceAsStream("/borealis/openapi.json")) {
      assertThat(in).as("borealis/openapi.json on the classpath").isNotNull();
      doc = Json.MAPPER.readTree(in);
    }
  }

  @AfterAll
  static void tearDown() throws Exception {
    fixture.close();
  }

  @Test
  void everyRouteIsDocumented() {
    assertThat(api.routes()).isNotEmpty();
    List<String> missing = new ArrayList<>();
    for (Endpoint r : api.routes()) {
      if (!doc.path("paths").path(r.documentedTemplate()).has(r.method().toLowerCase())) {
        missing.add(r.method() + " " + r.documentedTemplate());
      }
    }
    assertThat(missing).as("routes missing from openapi.json").isEmpty();
  }

  @Test
  void everyDocumentedOperationIsARoute() {
    Set<String> routes = new TreeSet<>();
    api.routes().forEach(r -> routes.add(r.method() + " " + r.documentedTemplate()));
    assertThat(routes).as("routes are unique").hasSize(api.routes().size());
    Set<String> documented = new TreeSet<>();
    operations().forEach(o -> documented.add(o.method().toUpperCase() + " " + o.path()));
    assertThat(documented).as("operations of openapi.json").isEqualTo(routes);
  }

  @Test
  void everyGuardedRouteDocumentsItsPermissionAndTheRefusals() {
    List<String> missing = new ArrayList<>();
    for (Endpoint r : api.routes()) {
      if (r.access().kind() == Endpoint.Access.Kind.OPEN) {
        continue;
      }
      JsonNode op = doc.path("paths").path(r.documentedTemplate()).path(r.method().toLowerCase());
      String name = r.method() + " " + r.documentedTemplate();
      for (String status : List.of("401", "403", "429")) {
        if (!op.path("responses").has(status)) {
          missing.add(name + ": " + status);
        }
      }
      if (op.path("x-borealis-permission").asText().isBlank()) {
        missing.add(name + ": x-borealis-permission");
      }
    }
    assertThat(missing).isEmpty();
    assertThat(doc.path("components").path("securitySchemes").path("basic").path("scheme").asText())
        .isEqualTo("basic");
  }

  @Test
  void documentIsOpenApi3WithSummariesAndResponses() {
    assertThat(doc.path("openapi").asText()).startsWith("3.");
    assertThat(doc.path("info").path("title").asText()).isNotBlank();
    assertThat(doc.path("info").path("version").asText()).isNotBlank();
    List<String> problems = new ArrayList<>();
    Set<String> operationIds = new TreeSet<>();
    for (Operation o : operations()) {
      String name = o.method().toUpperCase() + " " + o.path();
      if (o.node().path("summary").asText().isBlank()) {
        problems.add(name + ": no summary");
      }
      if (o.node().path("description").asText().isBlank()) {
        problems.add(name + ": no description");
      }
      if (!o.node().path("responses").isObject() || o.node().path("responses").isEmpty()) {
        problems.add(name + ": no responses");
      }
      String id = o.node().path("operationId").asText();
      if (!id.isEmpty() && !operationIds.add(id)) {
        problems.add(name + ": operationId " + id + " is used twice");
      }
    }
    assertThat(problems).isEmpty();
  }

  @Test
  void pathParametersMatchTheTemplates() {
    List<String> problems = new ArrayList<>();
    for (Operation o : operations()) {
      Set<String> inTemplate = new TreeSet<>();
      Matcher m = PATH_PARAM.matcher(o.path());
      while (m.find()) {
        inTemplate.add(m.group(1));
      }
      Set<String> declared = new TreeSet<>();
      List<JsonNode> params = new ArrayList<>();
      doc.path("paths").path(o.path()).path("parameters").forEach(params::add);
      o.node().path("parameters").forEach(params::add);
      for (JsonNode p : params) {
        JsonNode param = resolve(p);
        if ("path".equals(param.path("in").asText())) {
          declared.add(param.path("name").asText());
          if (!param.path("required").asBoolean()) {
            problems.add(o.method() + " " + o.path() + ": path parameter not required");
          }
        }
      }
      if (!declared.equals(inTemplate)) {
        problems.add(
            o.method() + " " + o.path() + ": declares " + declared + " but has " + inTemplate);
      }
    }
    assertThat(problems).isEmpty();
  }

  @Test
  void everyRefResolves() {
    List<String> refs = new ArrayList<>();
    collectRefs(doc, refs);
    assertThat(refs).isNotEmpty();
    List<String> broken = new ArrayList<>();
    for (String ref : refs) {
      if (!ref.startsWith("#/") || doc.at(ref.substring(1)).isMissingNode()) {
        broken.add(ref);
      }
    }
    assertThat(broken).as("unresolved $refs").isEmpty();
  }

  @Test
  void theDocumentIsServed() throws Exception {
    HttpResponse response =
        api.handle(HttpRequest.GET("/api/v1/openapi.json"))
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    assertThat(response.status().intValue()).isEqualTo(200);
    HttpEntity.Strict entity = fixture.strict(response);
    assertThat(Json.MAPPER.readTree(entity.getData().toArray())).isEqualTo(doc);
  }

  // ---------------------------------------------------------------------------------------------

  private record Operation(String path, String method, JsonNode node) {}

  private static List<Operation> operations() {
    List<Operation> result = new ArrayList<>();
    for (Map.Entry<String, JsonNode> path : doc.path("paths").properties()) {
      for (Map.Entry<String, JsonNode> op : path.getValue().properties()) {
        if (METHODS.contains(op.getKey())) {
          result.add(new Operation(path.getKey(), op.getKey(), op.getValue()));
        }
      }
    }
    assertThat(result).as("operations of openapi.json").isNotEmpty();
    return result;
  }

  private static JsonNode resolve(JsonNode node) {
    JsonNode n = node;
    while (n.has("$ref")) {
      n = doc.at(n.get("$ref").asText().substring(1));
    }
    return n;
  }

  private static void collectRefs(JsonNode node, List<String> refs) {
    if (node.isObject()) {
      node.properties()
          .forEach(
              e -> {
                if (e.getKey().equals("$ref") && e.getValue().isTextual()) {
                  refs.add(e.getValue().asText());
                } else {
                  collectRefs(e.getValue(), refs);
                }
              });
    } else if (node.isArray()) {
      node.forEach(n -> collectRefs(n, refs));
    }
  }
}
