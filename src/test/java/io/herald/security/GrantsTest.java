package io.herald.security;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.api.Test;

class GrantsTest {
  @Test
  void exactPatternsMatchOnlyThemselves() {
    assertTrue(Grants.matches("docs.7", "docs.7"));
    assertFalse(Grants.matches("docs.7", "docs.70"));
    assertFalse(Grants.matches("docs.7", "docs.7.comments"));
  }

  @Test
  void aTrailingStarMatchesOneOrMoreFurtherSegments() {
    assertTrue(Grants.matches("jobs.*", "jobs.42"));
    assertTrue(Grants.matches("jobs.*", "jobs.42.log"));
    assertFalse(Grants.matches("jobs.*", "jobs"));
    assertFalse(Grants.matches("jobs.*", "jobsx.1"), "the namespace must match whole");
    assertTrue(Grants.matches("docs.7.*", "docs.7.comments"));
    assertFalse(Grants.matches("docs.7.*", "docs.7"));
    assertFalse(Grants.matches("docs.7.*", "docs.70.x"));
  }

  @Test
  void aLoneStarMatchesEverythingAndOtherStarsAreNotWildcards() {
    assertTrue(Grants.matches("*", "anything.at.all"));
    assertFalse(Grants.matches("jobs*", "jobs.1"));
    assertFalse(Grants.matches("*.1", "jobs.1"));
    assertFalse(Grants.matches(".*", "jobs.1"), "no regular expressions");
  }

  @Test
  void anyOfSeveralPatternsSuffices() {
    assertTrue(Grants.allows(Set.of("docs.7", "jobs.*"), "jobs.9"));
    assertFalse(Grants.allows(Set.of(), "jobs.9"));
  }
}
