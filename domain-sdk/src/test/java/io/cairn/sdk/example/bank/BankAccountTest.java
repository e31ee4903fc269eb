package io.cairn.sdk.example.bank;

import io.cairn.log.store.ConcurrencyConflictException;
import io.cairn.sdk.aggregate.AggregateNotFoundException;
import io.cairn.sdk.command.CommandValidationException;
import io.cairn.sdk.test.AggregateTestFixture;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class BankAccountTest {

    private final AggregateTestFixture<BankAccount> fixture = new AggregateTestFixture<>(BankAccount.class);
    private final AccountOpened opened = new AccountOpened("acc-1", "Ada", 500);

    @Test
    void opensAnAccountAndReturnsItsId() {
        fixture.givenNoPriorActivity()
                .when(new OpenAccount("acc-1", "Ada", 500))
                .expectEvents(opened)
                .expectResult("acc-1")
                .expectState(a -> {
                    assertThat(a.owner()).isEqualTo("Ada");
                    assertThat(a.balance()).isZero();
                });
    }

    @Test
    void openingAnExistingAccountConflicts() {
        fixture.given(opened).when(new OpenAccount("acc-1", "Ada", 500))
                .expectException(ConcurrencyConflictException.class);
    }

    @Test
    void badOpenInputIsRejectedNamingEveryProblem() {
        fixture.givenNoPriorActivity().when(new OpenAccount(" ", null, -1))
                .expectException(CommandValidationException.class)
                .expectExceptionMessage("accountId is required")
                .expectExceptionMessage("owner is required")
                .expectExceptionMessage("overdraftLimit must be >= 0, was -1");
    }

    @Test
    void depositsAndReturnsTheNewBalance() {
        fixture.given(opened, new MoneyDeposited("acc-1", 100, null))
                .when(new Deposit("acc-1", 250))
                .expectEvents(new MoneyDeposited("acc-1", 250, null))
                .expectResult(350L)
                .expectState(a -> assertThat(a.balance()).isEqualTo(350));
    }

    @Test
    void depositOfZeroOrLessIsRejected() {
        fixture.given(opened).when(new Deposit("acc-1", 0)).expectException(CommandValidationException.class)
                .expectExceptionMessage("amount must be > 0, was 0");
        fixture.given(opened).when(new Deposit("acc-1", -5)).expectException(CommandValidationException.class);
    }

    @Test
    void depositToAMissingAccountIsNotFound() {
        fixture.givenNoPriorActivity().when(new Deposit("nope", 10)).expectException(AggregateNotFoundException.class)
                .expectExceptionMessage("nope");
    }

    @Test
    void depositThatWouldOverflowIsRejected() {
        fixture.given(opened, new MoneyDeposited("acc-1", Long.MAX_VALUE - 1, null))
                .when(new Deposit("acc-1", 2)).expectException(ArithmeticException.class);
    }

    @Test
    void withdrawsIntoTheOverdraftButNotBeyond() {
        fixture.given(opened, new MoneyDeposited("acc-1", 100, null))
                .when(new Withdraw("acc-1", 600))
                .expectEvents(new MoneyWithdrawn("acc-1", 600, null))
                .expectResult(-500L);
        fixture.given(opened, new MoneyDeposited("acc-1", 100, null))
                .when(new Withdraw("acc-1", 601))
                .expectException(InsufficientFunds.class)
                .expectExceptionMessage("601 requested, 600 available");
    }

    @Test
    void transferLegsCarryTheTransferId() {
        fixture.given(opened, new MoneyDeposited("acc-1", 100, null))
                .when(new Withdraw("acc-1", 40, "t-1"))
                .expectEvents(new MoneyWithdrawn("acc-1", 40, "t-1"));
        fixture.given(opened).when(new Deposit("acc-1", 40, "t-1"))
                .expectEvents(new MoneyDeposited("acc-1", 40, "t-1"));
    }

    @Test
    void closesOnlyWithZeroBalanceAndOnce() {
        fixture.given(opened).when(new CloseAccount("acc-1")).expectEvents(new AccountClosed("acc-1"))
                .expectState(a -> assertThat(a.closed()).isTrue());
        fixture.given(opened, new MoneyDeposited("acc-1", 1, null)).when(new CloseAccount("acc-1"))
                .expectException(IllegalStateException.class).expectExceptionMessage("balance is 1");
        fixture.given(opened, new AccountClosed("acc-1")).when(new CloseAccount("acc-1")).expectNoEvents();
    }

    @Test
    void pastCanBeGivenAsCommands() {
        fixture.givenCommands(new OpenAccount("acc-1", "Ada", 0), new Deposit("acc-1", 70), new Withdraw("acc-1", 20))
                .when(new Withdraw("acc-1", 60))
                .expectException(InsufficientFunds.class).expectExceptionMessage("60 requested, 50 available");
        fixture.givenCommands(new OpenAccount("acc-1", "Ada", 0))
                .when(new Deposit("acc-1", 5))
                .expectEventsSatisfying(events -> assertThat(events).singleElement().isInstanceOf(MoneyDeposited.class));
    }

    @Test
    void closedAccountTakesNoMoney() {
        fixture.given(opened, new AccountClosed("acc-1")).when(new Deposit("acc-1", 5))
                .expectException(IllegalStateException.class).expectExceptionMessage("is closed");
        fixture.given(opened, new AccountClosed("acc-1")).when(new Withdraw("acc-1", 5))
                .expectException(IllegalStateException.class);
    }
}
