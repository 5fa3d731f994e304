package dev.homelab.remediation.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Validates files the operator writes against the schemas in src/main/resources/schemas. */
public final class JsonSchemas {
  private static final ObjectMapper JSON = new ObjectMapper();

  private JsonSchemas() {}

  public static List<String> errors(String schemaResource, Path file) {
    try (InputStream in = JsonSchemas.class.getResourceAsStream("/schemas/" + schemaResource)) {
      JsonNode schemaNode = JSON.readTree(in);
      Schema schema =
          SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
              .getSchema(schemaNode);
      JsonNode doc = JSON.readTree(Files.readString(file));
      return schema.validate(doc).stream().map(Error::toString).toList();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
