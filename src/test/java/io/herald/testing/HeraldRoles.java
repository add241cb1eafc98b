package io.herald.testing;

/**
 * The broker settings docs/jms.md ("Broker roles") tells operators to give an external Artemis,
 * word for word: the test broker runs with exactly these, so the documentation is what is tested.
 */
final class HeraldRoles {
  private HeraldRoles() {}

  static final String SECURITY_SETTINGS =
      """
      <security-settings>
               <security-setting match="#">
                  <permission type="createNonDurableQueue" roles="amq"/>
                  <permission type="deleteNonDurableQueue" roles="amq"/>
                  <permission type="createDurableQueue" roles="amq"/>
                  <permission type="deleteDurableQueue" roles="amq"/>
                  <permission type="createAddress" roles="amq"/>
                  <permission type="deleteAddress" roles="amq"/>
                  <permission type="consume" roles="amq"/>
                  <permission type="browse" roles="amq"/>
                  <permission type="send" roles="amq"/>
                  <permission type="manage" roles="amq"/>
               </security-setting>
               <security-setting match="herald.internal">
                  <permission type="send" roles="herald"/>
                  <permission type="consume" roles="herald"/>
                  <permission type="createAddress" roles="herald"/>
                  <permission type="deleteAddress" roles="herald"/>
                  <permission type="createDurableQueue" roles="herald"/>
                  <permission type="deleteDurableQueue" roles="herald"/>
                  <permission type="createNonDurableQueue" roles="herald"/>
                  <permission type="deleteNonDurableQueue" roles="herald"/>
               </security-setting>
               <security-setting match="herald.events">
                  <permission type="consume" roles="herald"/>
                  <permission type="createDurableQueue" roles="herald"/>
                  <permission type="send" roles="producer"/>
                  <permission type="createAddress" roles="producer"/>
               </security-setting>
               <security-setting match="herald.dead-letter">
                  <permission type="send" roles="herald"/>
                  <permission type="createAddress" roles="herald"/>
                  <permission type="createDurableQueue" roles="herald"/>
                  <permission type="consume" roles="amq"/>
                  <permission type="browse" roles="amq"/>
               </security-setting>
            </security-settings>""";

  static final String ADDRESS_SETTINGS =
      """
               <address-setting match="herald.events">
                  <default-exclusive-queue>true</default-exclusive-queue>
                  <redelivery-delay>0</redelivery-delay>
                  <dead-letter-address>herald.dead-letter</dead-letter-address>
               </address-setting>
               <address-setting match="herald.internal">
                  <dead-letter-address>herald.dead-letter</dead-letter-address>
               </address-setting>
      """;

  static final String ADDRESSES =
      """
               <address name="herald.events">
                  <multicast>
                     <queue name="herald-ingress" exclusive="true">
                        <durable>true</durable>
                     </queue>
                  </multicast>
               </address>
               <address name="herald.dead-letter">
                  <anycast>
                     <queue name="herald.dead-letter"/>
                  </anycast>
               </address>
      """;
}
