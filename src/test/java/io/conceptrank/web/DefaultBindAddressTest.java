package io.conceptrank.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.util.List;
import java.util.Properties;
import org.apache.coyote.AbstractProtocol;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.config.YamlPropertiesFactoryBean;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.tomcat.TomcatWebServer;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.core.io.ClassPathResource;

/** Without any setting the server must be reachable from this machine only. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class DefaultBindAddressTest {

    @LocalServerPort
    private int port;

    @Autowired
    private WebServerApplicationContext context;

    @Test
    void listensOnLoopbackOnly() throws IOException {
        var tomcat = (TomcatWebServer) context.getWebServer();
        InetAddress bound = ((AbstractProtocol<?>) tomcat.getTomcat().getConnector().getProtocolHandler()).getAddress();
        assertThat(bound).isEqualTo(InetAddress.getByName("127.0.0.1"));

        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
        }
        for (InetAddress address : nonLoopbackAddresses()) {
            assertThatThrownBy(() -> {
                try (Socket socket = new Socket()) {
                    socket.connect(new InetSocketAddress(address, port), 2000);
                }
            }).as("connecting via %s", address).isInstanceOf(ConnectException.class);
        }
    }

    @Test
    void jarDefaultsBindToLoopbackWhateverTheWorkingDirectory() {
        // The copy Maven packs into the jar, used when application.yml is not in the working directory.
        var yaml = new YamlPropertiesFactoryBean();
        yaml.setResources(new ClassPathResource("application.yml"));
        Properties defaults = yaml.getObject();

        assertThat(defaults).containsEntry("server.address", "127.0.0.1").containsEntry("server.port", 7477);
    }

    private static List<InetAddress> nonLoopbackAddresses() throws IOException {
        return NetworkInterface.networkInterfaces()
                .filter(nic -> {
                    try {
                        return nic.isUp() && !nic.isLoopback();
                    } catch (IOException e) {
                        return false;
                    }
                })
                .flatMap(NetworkInterface::inetAddresses)
                .filter(address -> address instanceof Inet4Address)
                .toList();
    }
}
