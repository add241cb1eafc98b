package io.herald.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.channel.NamespacePolicy.Subscribe;
import io.herald.testing.MapConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Namespace settings: read once and checked at start; no policy per made-up namespace. */
class NamespacePoliciesTest {
  static NamespacePolicies policies(Map<String, String> values) {
    NamespacePolicies policies = new NamespacePolicies();
    policies.config = new MapConfig(values);
    policies.settings = new NamespaceSettings();
    policies.settings.historySize = 1000;
    policies.settings.historyTtlMillis = 300_000;
    policies.settings.lastValueTtlMillis = 86_400_000;
    policies.load();
    return policies;
  }

  @Test
  void namespacesNobodyConfiguredShareOneDefaultWhateverClientsMakeUp() {
    NamespacePolicies policies = policies(Map.of());
    NamespacePolicy first = policies.ofNamespace("made-up-0");
    for (int i = 1; i < 10_000; i++) {
      assertSame(first, policies.ofNamespace("made-up-" + i), "nothing is kept per namespace a client names");
    }
    assertEquals(Subscribe.GRANT, first.subscribe());
    assertEquals(Subscribe.AUTHENTICATED, policies.ofNamespace("chat").subscribe());
  }

  @Test
  void settingsFromPropertiesAndTheEnvironmentApply() {
    NamespacePolicies policies =
        policies(
            Map.of(
                "herald.namespace.status.subscribe", "authenticated",
                "HERALD_NAMESPACE_TICKETS_TYPING", "true",
                "HERALD_NAMESPACE_MY_NS_HISTORY_SIZE", "7"));
    assertEquals(Subscribe.AUTHENTICATED, policies.ofNamespace("status").subscribe());
    assertTrue(policies.ofNamespace("tickets").typing());
    assertEquals(7, policies.ofNamespace("my-ns").retention().historySize(), "MY_NS stands for my-ns");
    assertEquals(7, policies.ofNamespace("my_ns").retention().historySize(), "and for my_ns");
  }

  @Test
  void aMistypedSettingStopsTheStartAndNamesEveryProblem() {
    IllegalStateException refused =
        assertThrows(
            IllegalStateException.class,
            () ->
                policies(
                    Map.of(
                        "herald.namespace.jobs.subscribe", "grnat",
                        "herald.namespace.chat.typing", "ture",
                        "herald.namespace.docs.history.size", "-1",
                        "herald.namespace.docs.subscrbe", "grant",
                        "HERALD_NAMESPACE_TICKETS_TYPNG", "true")));
    String message = refused.getMessage();
    for (String named :
        new String[] {
          "herald.namespace.jobs.subscribe is 'grnat'",
          "herald.namespace.chat.typing is 'ture'",
          "herald.namespace.docs.history.size is '-1'",
          "herald.namespace.docs.subscrbe is not a namespace setting",
          "HERALD_NAMESPACE_TICKETS_TYPNG is not a namespace setting"
        }) {
      assertTrue(message.contains(named), "names " + named + ": " + message);
    }
  }
}
