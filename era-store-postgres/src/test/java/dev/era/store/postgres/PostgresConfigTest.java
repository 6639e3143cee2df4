package dev.era.store.postgres;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PostgresConfigTest {
    @Test
    void aPostgresUrlBecomesAJdbcUrlWithUserPasswordAndPool() {
        PostgresConfig c = PostgresConfig.parse("postgres://era:p%40ss@db.example.com:6432/era_prod?sslmode=require&pool=20");

        assertThat(c.jdbcUrl()).isEqualTo("jdbc:postgresql://db.example.com:6432/era_prod?sslmode=require");
        assertThat(c.user()).isEqualTo("era");
        assertThat(c.password()).isEqualTo("p@ss");
        assertThat(c.poolSize()).isEqualTo(20);
        assertThat(c.toString()).doesNotContain("p@ss");
    }

    @Test
    void aJdbcUrlKeepsItsHostAndTakesUserAndPasswordFromItsQuery() {
        PostgresConfig c = PostgresConfig.parse("jdbc:postgresql://127.0.0.1/era?user=me&password=pw");

        assertThat(c.jdbcUrl()).isEqualTo("jdbc:postgresql://127.0.0.1/era");
        assertThat(c.user()).isEqualTo("me");
        assertThat(c.password()).isEqualTo("pw");
        assertThat(c.poolSize()).isEqualTo(PostgresConfig.DEFAULT_POOL_SIZE);
    }

    @Test
    void whatIsMissingOrWrongIsNamedWithoutThePassword() {
        assertThatThrownBy(() -> PostgresConfig.parse("mysql://u:topsecret@h/db")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a PostgreSQL URL").hasMessageNotContaining("topsecret");
        assertThatThrownBy(() -> PostgresConfig.parse("postgres://u:topsecret@h")).hasMessageContaining("names no database")
                .hasMessageNotContaining("topsecret");
        assertThatThrownBy(() -> PostgresConfig.parse("postgres://h/db")).hasMessageContaining("names no user");
        assertThatThrownBy(() -> PostgresConfig.parse("postgres://u@h/db?pool=0")).hasMessageContaining("from 1 to 100");
    }
}
