# Herald on the official Payara Micro image. Build and run:
#
#   docker build -t herald:0.1.0 .
#   docker run -p 8080:8080 -e HERALD_DEV_MODE=true herald:0.1.0          # on your machine only
#
# Configure with environment variables (docs/configuration.md); in production at least the token
# key (MP_JWT_VERIFY_PUBLICKEY_LOCATION, MP_JWT_VERIFY_ISSUER) and, to scale out, HERALD_BROKER_URL
# and a stable HERALD_INSTANCE_ID (payara-config/kubernetes/herald.yaml shows both).

# Stage 1: the WAR, built with JDK 17 and Maven as the README does (tests are for CI, not here)
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /build
COPY pom.xml .
COPY src src
COPY payara-config payara-config
RUN mvn -B -q package -Dmaven.test.skip=true

# Stage 2: Payara Micro, the same version the build and the tests use
FROM payara/micro:6.2025.10-jdk17
COPY --from=build /build/target/herald.war ${DEPLOY_DIR}/herald.war
COPY payara-config/pre-boot-commands.asadmin ${HOME_DIR}/config/pre-boot-commands.asadmin
COPY payara-config/post-boot-commands.asadmin ${HOME_DIR}/config/post-boot-commands.asadmin
EXPOSE 8080
# The image's own variables size the JVM to the container (MEM_MAX_RAM_PERCENTAGE, MEM_XSS,
# JVM_ARGS). "exec" makes Java PID 1, so that SIGTERM reaches Payara. --nocluster: Herald does not
# use Payara's Hazelcast clustering; instances meet through the JMS broker.
ENTRYPOINT ["sh", "-c", "exec java -XX:+UseContainerSupport -XX:MaxRAMPercentage=${MEM_MAX_RAM_PERCENTAGE} -Xss${MEM_XSS} -XX:+ExitOnOutOfMemoryError ${JVM_ARGS} -jar payara-micro.jar --nocluster --deploy ${DEPLOY_DIR}/herald.war --contextroot / --prebootcommandfile ${HOME_DIR}/config/pre-boot-commands.asadmin --postbootcommandfile ${HOME_DIR}/config/post-boot-commands.asadmin"]
