# syntax=docker/dockerfile:1
# Image of the remediation operator: docker build -t ghcr.io/homelab/remediation-operator:0.1.0 .
# Multi-arch (amd64, arm64 for Raspberry Pi):
#   docker buildx build --platform linux/amd64,linux/arm64 -t ghcr.io/homelab/remediation-operator:0.1.0 .
# Without a Docker engine, the same image with Jib: ./mvnw -B -Pimage -DskipTests package (pom.xml;
# JibConfigTest keeps the two alike).

# ---- build: the shaded jar, with the Maven version pinned by the wrapper (.mvn/wrapper)
FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
COPY .mvn/ .mvn/
COPY mvnw pom.xml ./
COPY src/ src/
RUN --mount=type=cache,target=/root/.m2 ./mvnw -B -DskipTests package

# ---- cds: the application class-data archive, made by the runtime stage's own JVM build (an
# archive only maps into the JVM that wrote it). cds-train starts the operator as `run` does
# (leader election, informers, the Redis subscription, /readyz and /metrics) against an embedded
# API server, a stub Redis and a training model, takes two incidents to Dispatched (the model's
# client, the policy, an approval, the files), stops it and exits; the JVM writes the classes it
# loaded at exit.
# The jar is copied exactly as into the runtime stage: the archive records its path, size and
# time. -Xmx fixes compressed oops on, as in the pod (the archive requires the same setting).
FROM eclipse-temurin:17-jre AS cds
WORKDIR /app
COPY --from=build /src/target/remediation-operator.jar /app/remediation-operator.jar
RUN java -Xmx230m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k -Xlog:cds=error \
      -XX:ArchiveClassesAtExit=/app/app.jsa -jar /app/remediation-operator.jar cds-train \
 && test -s /app/app.jsa

# ---- runtime: JRE only, non-root
FROM eclipse-temurin:17-jre
LABEL org.opencontainers.image.title="remediation-operator" \
      org.opencontainers.image.description="Homelab remediation operator for k3s"
WORKDIR /app
COPY --from=build /src/target/remediation-operator.jar /app/remediation-operator.jar
COPY --from=cds /app/app.jsa /app/app.jsa
# uid/gid 1000: the homelab user that owns the hostPath directories on the node (the chart's
# securityContext.runAsUser/runAsGroup default). Nothing in the image needs to be writable:
# the pod runs with a read-only root filesystem and an emptyDir at /tmp.
USER 1000:1000
EXPOSE 8080
# glibc's malloc keeps up to 8 arenas per core for a JVM's many threads; 2 keep native memory
# small (docs/benchmarks.md, "Start-up and memory as shipped").
ENV MALLOC_ARENA_MAX=2
# A small heap for a Raspberry Pi-class node: 60% of the container's memory limit, starting at
# 12.5% of it and never below 48m (the chart's 384Mi gives 48m: the live set, about 20m, fits
# the old generation without the full collections that grow a heap started at the JVM's 1/64;
# one of 93 ms under a storm let Redis close the subscription, docs/benchmarks.md; under a limit
# of 80Mi the minimum wins over 60% and the heap is 48m regardless: keep the limit at 128Mi or
# more), the serial
# collector (one core, small heap), C1 only (faster start, less memory), small thread stacks.
# The application class-data archive (above) cuts start-up. Bounded: metaspace (64m before its
# first collection, so none runs during start-up; at most 128m), code cache 32m, direct memory
# (NIO and Netty under Lettuce) 32m; the heap gives memory back after a storm, down to its
# minimum (at most 40% free after a full collection, grown only to 20% free). Exit at once on OutOfMemoryError so
# Kubernetes restarts the pod. Add flags at run time through JAVA_TOOL_OPTIONS. The Jib image
# (pom.xml) has the same flags but the archive's, which Jib cannot make (docs/benchmarks.md).
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=60", "-XX:InitialRAMPercentage=12.5", "-XX:MinHeapSize=48m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k", "-XX:MetaspaceSize=64m", "-XX:MaxMetaspaceSize=128m", "-XX:ReservedCodeCacheSize=32m", "-XX:MaxDirectMemorySize=32m", "-XX:MinHeapFreeRatio=20", "-XX:MaxHeapFreeRatio=40", "-XX:+ExitOnOutOfMemoryError", "-XX:SharedArchiveFile=/app/app.jsa", "-jar", "/app/remediation-operator.jar"]
CMD ["run"]
