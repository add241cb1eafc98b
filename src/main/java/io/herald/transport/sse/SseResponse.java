package io.herald.transport.sse;

import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.annotation.WebFilter;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;

/**
 * Hands an SSE stream's servlet output to {@link SseConnection}, and says when JAX-RS has
 * written the response head through it. JAX-RS commits the head (status, headers, the connected
 * frame) only after the resource method returns; frames written to the stream directly before that
 * would go out ahead of it. The first flush of the wrapped stream, once the request's dispatch has
 * returned, is that moment.
 */
@WebFilter(urlPatterns = "/api/realtime/stream/*", asyncSupported = true)
public class SseResponse extends HttpFilter {
  static final String ATTRIBUTE = SseResponse.class.getName();

  /**
   * The real stream, the moment the head went through it, and a guard: once the request is over
   * (completed by JAX-RS, or failed when the client went away) the container recycles the response
   * objects for later requests, so a write after that could land in someone else's response. The
   * container tells every async listener before it recycles, and a listener waits for a write in
   * flight, so no write comes after.
   */
  static final class Output implements AsyncListener {
    private final ServletOutputStream stream;
    private final CompletableFuture<Void> headWritten;
    private boolean over;

    Output(ServletOutputStream stream, CompletableFuture<Void> headWritten) {
      this.stream = stream;
      this.headWritten = headWritten;
    }

    CompletableFuture<Void> headWritten() {
      return headWritten;
    }

    /**
     * Switches the stream to non-blocking writes; the container may call {@code onWritePossible}
     * at once, on this thread. Only after JAX-RS's last write through the sink (the head).
     */
    synchronized void listen(WriteListener listener) {
      if (!over) {
        stream.setWriteListener(listener);
      }
    }

    /** Whether one write may go now without blocking; if not, the listener is called when it may. */
    synchronized boolean isReady() {
      if (over) {
        throw new IllegalStateException("the response is complete");
      }
      return stream.isReady();
    }

    /**
     * Writes and flushes, or fails if the request is over. Called once per {@link #isReady} that
     * answered true: then neither blocks (on Payara a second write would block until the write
     * timeout).
     */
    synchronized void write(byte[] bytes) throws IOException {
      if (over) {
        throw new IOException("the response is complete");
      }
      stream.write(bytes);
      stream.flush();
    }

    private synchronized void over() {
      over = true;
    }

    @Override
    public void onComplete(AsyncEvent event) {
      over();
    }

    @Override
    public void onError(AsyncEvent event) {
      over();
    }

    @Override
    public void onTimeout(AsyncEvent event) {
      over();
    }

    @Override
    public void onStartAsync(AsyncEvent event) {
      // the same request going async again: this listener stays registered
    }
  }

  @Override
  protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    CompletableFuture<Void> headWritten = new CompletableFuture<>();
    HttpServletResponseWrapper wrapped =
        new HttpServletResponseWrapper(response) {
          private ServletOutputStream watched;

          @Override
          public synchronized ServletOutputStream getOutputStream() throws IOException {
            if (watched == null) {
              watched = new Watched(super.getOutputStream(), headWritten);
            }
            return watched;
          }

          @Override
          public void flushBuffer() throws IOException {
            super.flushBuffer();
            headWritten.complete(null);
          }
        };
    // Direct writes wait until this dispatch is over too, not only for the first flush: JAX-RS
    // goes on using the response on this thread after it, and the response is not thread-safe.
    CompletableFuture<Void> returned = new CompletableFuture<>();
    Output output = new Output(response.getOutputStream(), headWritten.thenCombine(returned, (flushed, done) -> null));
    request.setAttribute(ATTRIBUTE, output);
    try {
      chain.doFilter(request, wrapped);
    } finally {
      if (request.isAsyncStarted()) {
        request.getAsyncContext().addListener(output);
      } else {
        output.over(); // answered at once (an error): nothing may follow it
      }
      returned.complete(null);
    }
  }

  /** The same stream, noting its first flush. */
  private static final class Watched extends ServletOutputStream {
    private final ServletOutputStream out;
    private final CompletableFuture<Void> flushed;

    Watched(ServletOutputStream out, CompletableFuture<Void> flushed) {
      this.out = out;
      this.flushed = flushed;
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
    }

    @Override
    public void flush() throws IOException {
      try {
        out.flush();
      } finally {
        flushed.complete(null); // a failed flush: the stream's next direct write fails too
      }
    }

    @Override
    public void close() throws IOException {
      out.close();
    }

    @Override
    public boolean isReady() {
      return out.isReady();
    }

    @Override
    public void setWriteListener(WriteListener listener) {
      out.setWriteListener(listener);
    }
  }
}
