package dev.homelab.remediation.llm;

/** One link of the chain: a model behind a provider, or the rules proposer. */
interface ChainLink {

  /** The link's name: {@code provider/model} or {@code rules}. */
  String name();

  /**
   * A schema-valid proposal for the request.
   *
   * @throws LinkFailure when this link cannot give one; the chain asks the next link
   * @throws InterruptedException when the calling thread was interrupted while waiting
   */
  ModelAnswer propose(ProposalRequest request) throws LinkFailure, InterruptedException;
}
