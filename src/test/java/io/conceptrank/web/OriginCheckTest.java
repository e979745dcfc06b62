package io.conceptrank.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class OriginCheckTest {

    private static final int PORT = 7477;
    private final OriginCheck defaults = new OriginCheck(List.of());

    private static InetSocketAddress host(String name, int port) {
        return InetSocketAddress.createUnresolved(name, port);
    }

    @Test
    void loopbackPagesOnTheServersPortAreAllowed() {
        assertThat(defaults.allows("http://127.0.0.1:7477", host("127.0.0.1", PORT), PORT)).isTrue();
        assertThat(defaults.allows("http://localhost:7477", host("127.0.0.1", PORT), PORT)).isTrue();
        assertThat(defaults.allows("http://[::1]:7477", host("::1", PORT), PORT)).isTrue();
        assertThat(defaults.allows("http://localhost:3000", host("127.0.0.1", PORT), PORT)).isFalse();
    }

    @Test
    void aPageFromTheServersOwnAddressIsAllowedButNotFromAHostName() {
        assertThat(defaults.allows("http://192.168.1.20:7477", host("192.168.1.20", PORT), PORT)).isTrue();
        assertThat(defaults.allows("http://192.168.1.20:7477", host("192.168.1.21", PORT), PORT)).isFalse();
        assertThat(defaults.allows("http://[fe80::1]:7477", host("fe80::1", PORT), PORT)).isTrue();
        // DNS rebinding: the attacker's name points at this server, so Origin and Host agree.
        assertThat(defaults.allows("http://rebind.example:7477", host("rebind.example", PORT), PORT)).isFalse();
        // Behind a proxy on the default port: the Host header has no port.
        assertThat(defaults.allows("https://10.0.0.5", host("10.0.0.5", 0), 8443)).isTrue();
        assertThat(defaults.allows("https://10.0.0.5:9000", host("10.0.0.5", 0), 8443)).isFalse();
    }

    @Test
    void configuredOriginsAndPatternsAreAllowed() {
        OriginCheck configured = new OriginCheck(List.of("https://conceptrank.example.org", "https://*.lab.example"));
        InetSocketAddress proxied = host("conceptrank.example.org", 443);
        assertThat(configured.allows("https://conceptrank.example.org", proxied, PORT)).isTrue();
        assertThat(configured.allows("https://gpu1.lab.example", proxied, PORT)).isTrue();
        assertThat(configured.allows("https://evil.example", proxied, PORT)).isFalse();
        assertThat(defaults.allows("https://conceptrank.example.org", proxied, PORT)).isFalse();
    }

    @Test
    void clientsWithoutOriginAreNotBrowsersAndOpaqueOriginsAreRefused() {
        assertThat(defaults.allows(null, host("127.0.0.1", PORT), PORT)).isTrue();
        assertThat(defaults.allows("null", host("127.0.0.1", PORT), PORT)).isFalse();
        assertThat(defaults.allows("file://", host("127.0.0.1", PORT), PORT)).isFalse();
        assertThat(defaults.allows("http://exa mple", host("127.0.0.1", PORT), PORT)).isFalse();
    }
}
