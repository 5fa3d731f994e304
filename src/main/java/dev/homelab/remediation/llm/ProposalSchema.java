package dev.homelab.remediation.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The proposal JSON schema ({@value #RESOURCE}), checked with a real JSON-Schema validator
 * (networknt, draft 2020-12). Thread-safe once built.
 */
final class ProposalSchema {
  static final String RESOURCE = "/schemas/proposal.schema.json";

  private final Schema schema;

  private ProposalSchema(Schema schema) {
    this.schema = schema;
  }

  /** Loads the schema from the class path. */
  static ProposalSchema load() {
    SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
    try (InputStream in = ProposalSchema.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(
            "proposal schema " + RESOURCE + " is missing from the class path");
      }
      return new ProposalSchema(registry.getSchema(in));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + RESOURCE, e);
    }
  }

  /**
   * The violations of {@code answer}, one line each (instance path and message); empty when valid.
   */
  List<String> violations(JsonNode answer) {
    List<Error> errors = schema.validate(answer);
    return errors.stream().map(ProposalSchema::describe).distinct().collect(Collectors.toList());
  }

  private static String describe(Error e) {
    String message = e.getMessage() == null ? e.getKeyword() : e.getMessage();
    String at = e.getInstanceLocation() == null ? "" : e.getInstanceLocation().toString();
    return at.isEmpty() ? message : at + ": " + message;
  }
}
