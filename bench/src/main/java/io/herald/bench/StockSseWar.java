package io.herald.bench;

import java.io.File;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.exporter.ZipExporter;
import org.jboss.shrinkwrap.api.spec.WebArchive;

/**
 * Writes a copy of herald.war with {@link StockSseResource} in it, for the benchmark that sets the
 * standard SSE API beside Herald's own writer: {@code StockSseWar <herald.war> <out.war>}.
 */
public final class StockSseWar {
  private StockSseWar() {}

  public static void main(String[] args) {
    ShrinkWrap.createFromZipFile(WebArchive.class, new File(args[0]))
        .addClass(StockSseResource.class)
        .as(ZipExporter.class)
        .exportTo(new File(args[1]), true);
  }
}
