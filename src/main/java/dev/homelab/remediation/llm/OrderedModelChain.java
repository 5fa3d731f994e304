package dev.homelab.remediation.llm;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Asks the links in order; the first schema-valid answer wins. Thread-safe if its links are. */
final class OrderedModelChain implements ModelChain {
  private static final Logger LOG = LoggerFactory.getLogger(OrderedModelChain.class);

  private final List<ChainLink> links;
  private final List<String> names;

  OrderedModelChain(List<ChainLink> links) {
    if (links.isEmpty()) {
      throw new IllegalArgumentException("a model chain needs at least one link");
    }
    this.links = List.copyOf(links);
    this.names = this.links.stream().map(ChainLink::name).toList();
  }

  @Override
  public ChainResult ask(ProposalRequest request) {
    List<String> failures = new ArrayList<>();
    for (ChainLink link : links) {
      long start = System.nanoTime();
      try {
        ModelAnswer answer = link.propose(request);
        LOG.atInfo()
            .setMessage("model answered")
            .addKeyValue("proposal", request.proposalName())
            .addKeyValue("model", link.name())
            .addKeyValue("action", answer.action())
            .addKeyValue("confidence", answer.confidence())
            .addKeyValue("requiresHuman", answer.requiresHuman())
            .addKeyValue("elapsedMs", elapsedMillis(start))
            .addKeyValue("failedBefore", failures.size())
            .log();
        return new ChainResult.Answered(answer, failures);
      } catch (LinkFailure e) {
        failed(request, link, e.reason(), start, failures);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        failed(request, link, "interrupted", start, failures);
        return new ChainResult.Failed(failures);
      } catch (RuntimeException e) {
        failed(
            request,
            link,
            "unexpected " + e.getClass().getSimpleName() + ": " + e.getMessage(),
            start,
            failures);
      }
    }
    return new ChainResult.Failed(failures);
  }

  private static void failed(
      ProposalRequest request, ChainLink link, String reason, long start, List<String> failures) {
    failures.add(link.name() + ": " + reason);
    LOG.atWarn()
        .setMessage("model failed")
        .addKeyValue("proposal", request.proposalName())
        .addKeyValue("model", link.name())
        .addKeyValue("reason", reason)
        .addKeyValue("elapsedMs", elapsedMillis(start))
        .log();
  }

  private static long elapsedMillis(long startNanos) {
    return Duration.ofNanos(System.nanoTime() - startNanos).toMillis();
  }

  @Override
  public List<String> models() {
    return names;
  }
}
