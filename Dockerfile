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

# ---- runtime: JRE only, non-root
FROM eclipse-temurin:17-jre
LABEL org.opencontainers.image.title="remediation-operator" \
      org.opencontainers.image.description="Homelab remediation operator for k3s"
WORKDIR /app
COPY --from=build /src/target/remediation-operator.jar /app/remediation-operator.jar
# uid/gid 1000: the homelab user that owns the hostPath directories on the node (the chart's
# securityContext.runAsUser/runAsGroup default). Nothing in the image needs to be writable:
# the pod runs with a read-only root filesystem and an emptyDir at /tmp.
USER 1000:1000
EXPOSE 8080
# A small heap for a Raspberry Pi-class node: 60% of the container's memory limit, the serial
# collector (one core, small heap), C1 only (faster start, less memory), small thread stacks,
# and exit at once on OutOfMemoryError so Kubernetes restarts the pod. Add flags at run time
# through JAVA_TOOL_OPTIONS.
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=60", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k", "-XX:+ExitOnOutOfMemoryError", "-jar", "/app/remediation-operator.jar"]
CMD ["run"]
