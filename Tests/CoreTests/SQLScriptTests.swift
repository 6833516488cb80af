import Core
import Testing

@Suite("Splitting migration files into statements")
struct SQLScriptTests {
    @Test func splitsOnStatementEnds() {
        let sql = """
            CREATE TABLE a (id int);
            -- a comment; with a semicolon
            CREATE TABLE b (note text DEFAULT 'x;y');
            """
        #expect(
            SQLScript.statements(in: sql) == [
                "CREATE TABLE a (id int)",
                "-- a comment; with a semicolon\nCREATE TABLE b (note text DEFAULT 'x;y')",
            ]
        )
    }

    @Test func keepsDollarQuotedBodiesWhole() {
        let sql = """
            CREATE FUNCTION touch() RETURNS trigger AS $body$
            BEGIN NEW.updated_at := now(); RETURN NEW; END;
            $body$ LANGUAGE plpgsql;
            DO $$ BEGIN PERFORM 1; END $$;
            SELECT $1::int;
            """
        let statements = SQLScript.statements(in: sql)
        #expect(statements.count == 3)
        #expect(statements[0].hasSuffix("$body$ LANGUAGE plpgsql"))
        #expect(statements[1] == "DO $$ BEGIN PERFORM 1; END $$")
        #expect(statements[2] == "SELECT $1::int")
    }

    @Test func handlesQuotesEscapesAndBlockComments() {
        let sql = """
            INSERT INTO t VALUES ('it''s; fine', E'back\\'slash;', "odd;name");
            /* outer /* nested; */ still comment; */
            SELECT 2
            """
        let statements = SQLScript.statements(in: sql)
        #expect(statements.count == 2)
        #expect(statements[0] == "INSERT INTO t VALUES ('it''s; fine', E'back\\'slash;', \"odd;name\")")
        #expect(statements[1].hasSuffix("SELECT 2"))
    }

    @Test func dropsEmptyAndCommentOnlyStatements() {
        #expect(SQLScript.statements(in: " ;\n-- only a comment\n;  ") == [])
    }
}
